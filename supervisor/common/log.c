/* log: one-line diagnostics on stderr; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"

#define LOG_LINE_MAX 2048

static const char *program = "jobworker";
static int use_syslog;

void log_init(const char *name)
{
	program = name;
}

void log_to_syslog(void)
{
	openlog(program, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

__attribute__((format(printf, 3, 0))) static void log_line(int priority, const char *level,
							   const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX], line[LOG_LINE_MAX * 4 + 128];
	struct timespec ts;
	struct tm tm;
	size_t n = 0;

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (!use_syslog) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof line - n,
				      ".%03ldZ %s %s: ", ts.tv_nsec / 1000000, program, level);
	}
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p >= 0x20 && *p != 0x7f) {
			line[n++] = (char)*p;
		} else if (*p == '\n') {
			memcpy(line + n, "\\n", 2);
			n += 2;
		} else {
			n += (size_t)snprintf(line + n, 5, "\\x%02x", *p);
		}
	}
	if (use_syslog) {
		line[n] = '\0';
		syslog(priority, "%s", line);
		return;
	}
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(LOG_INFO, "info", fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}

void log_audit(const char *user, const char *action, const char *fmt, ...)
{
	char rest[LOG_LINE_MAX];
	struct buf who = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rest, sizeof rest, fmt, ap);
	va_end(ap);
	json_quote(&who, user, strlen(user));
	buf_putc(&who, '\0');
	log_info("audit user=%s action=%s %s", buf_ok(&who) ? buf_head(&who) : "?", action, rest);
	buf_free(&who);
}
