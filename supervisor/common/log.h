/*
 * log: jobsupd's and jobapi's diagnostics, one line each on stderr (or syslog):
 *   2026-11-29T10:00:00.123Z jobsupd info: job 17 started by user1, pid 4242: ["ls"]
 * A line is built whole and written with one write(2), so threads do not interleave, and every
 * control character in it is escaped (\n, \x1b), so no input can forge or split a line.
 */
#ifndef LOG_H
#define LOG_H

void log_init(const char *program);
/* Send lines to syslog (facility daemon) instead of stderr. */
void log_to_syslog(void);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The audit trail: one line per accepted action, e.g.
 *   audit user="user1" action=start job=17 command=["ls","-la"]
 * user is quoted as a JSON string, so no identity can pose as another field. */
void log_audit(const char *user, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
