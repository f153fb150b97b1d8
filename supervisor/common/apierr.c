/* apierr: API errors; see apierr.h. */
#include "apierr.h"

#include <stdarg.h>
#include <stdio.h>

#include "json.h"

void apierr_set(struct apierr *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
}

void apierr_render(struct buf *b, const struct apierr *e)
{
	struct jw w;
	jw_init(&w, b);
	jw_obj(&w);
	jw_key(&w, "error");
	jw_obj(&w);
	jw_key(&w, "code");
	jw_str(&w, e->code);
	jw_key(&w, "message");
	jw_str(&w, e->message);
	jw_obj_end(&w);
	jw_obj_end(&w);
}
