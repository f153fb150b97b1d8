/*
 * ready: readiness notification, as s6 does it. A daemon started with --ready-fd N writes one
 * newline to descriptor N once it listens, then closes it. Whoever started it waits for that
 * line: unlike a socket file, which a restarted daemon may recreate with the very inode of a
 * dead one's, the line cannot be left over from an earlier run, and end-of-file without it
 * says the daemon died before it was ready.
 */
#ifndef READY_H
#define READY_H

/* Parse and check the argument of --ready-fd: a number of an open descriptor, 3 or above (0,
 * 1 and 2 are the daemon's own input, output and log), open for writing. Marks it
 * close-on-exec, so that nothing the daemon spawns can hold it open. The descriptor, or -1
 * with *why set to a static message. */
int ready_fd_parse(const char *arg, const char **why);

/* Say "ready" on fd (ignored when -1) and close it. A reader that went away is not an
 * error: the daemon serves all the same (SIGPIPE must be ignored or blocked). */
void ready_notify(int fd);

#endif
