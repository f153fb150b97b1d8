/* record: a job's record as the API's job object; see record.h. */
#include "record.h"

#include <stdio.h>
#include <string.h>

const char *const isolation_names[ISOLATIONS] = {"user", "pid",	    "mount",
						 "tmp",	 "network", "no_new_privileges"};

/* Digits of v into p, right-aligned in width (zero-padded). */
static void put_digits(char *p, int width, long v)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
}

void format_time(int64_t ms, char dst[32])
{
	/* The civil date of a day count (H. Hinnant's days_from_civil, inverted), by hand:
	 * gmtime and strftime are slow, and every job carries three timestamps. */
	int64_t secs = ms / 1000, days = secs / 86400, rem = secs % 86400;
	int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
	int64_t year = yoe + era * 400 + (month <= 2);
	memcpy(dst, "0000-00-00T00:00:00.000Z", 25);
	put_digits(dst, 4, (long)year);
	put_digits(dst + 5, 2, (long)month);
	put_digits(dst + 8, 2, (long)day);
	put_digits(dst + 11, 2, (long)(rem / 3600));
	put_digits(dst + 14, 2, (long)(rem / 60 % 60));
	put_digits(dst + 17, 2, (long)(rem % 60));
	put_digits(dst + 20, 3, (long)(ms % 1000));
}

void format_signal(int sig, char dst[16])
{
	const char *name = sigabbrev_np(sig);
	if (name)
		snprintf(dst, 16, "SIG%s", name);
	else
		snprintf(dst, 16, "SIG%d", sig);
}

static void put_opt(struct jw *w, uint64_t v, bool present)
{
	if (present)
		jw_int(w, (long long)v);
	else
		jw_null(w);
}

static void put_str_or_null(struct jw *w, const char *s)
{
	if (s)
		jw_str(w, s);
	else
		jw_null(w);
}

static void put_time(struct jw *w, int64_t ms)
{
	char t[32];
	if (!ms) {
		jw_null(w);
		return;
	}
	format_time(ms, t);
	jw_bytes(w, t, 24);
}

static void put_command(struct jw *w, const char *args, size_t len)
{
	jw_arr(w);
	for (size_t at = 0; at < len;) {
		size_t n = strnlen(args + at, len - at);
		jw_bytes(w, args + at, n);
		at += n + 1;
	}
	jw_arr_end(w);
}

static void put_limits_and_usage(struct jw *w, const struct job_record *r)
{
	jw_key(w, "limits");
	jw_obj(w);
	for (int i = 0; i < NLIMITS; i++) {
		jw_key(w, limit_info[i].key);
		put_opt(w, limit_get(&r->limits, i), limit_get(&r->limits, i) != 0);
	}
	jw_obj_end(w);
	jw_key(w, "containment");
	jw_str(w, cg_mode_name(r->containment));
	jw_key(w, "usage");
	if (!r->usage.valid) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "cpu_ms");
	jw_int(w, (long long)r->usage.cpu_ms);
	jw_key(w, "max_memory_bytes");
	put_opt(w, r->usage.max_memory_bytes, r->usage.memory_known);
	jw_obj_end(w);
}

static void put_run_as(struct jw *w, const struct job_record *r)
{
	jw_key(w, "run_as");
	jw_obj(w);
	jw_key(w, "user");
	put_str_or_null(w, r->run_user);
	jw_key(w, "uid");
	jw_int(w, (long long)r->run_uid);
	jw_key(w, "gid");
	jw_int(w, (long long)r->run_gid);
	jw_obj_end(w);
	jw_key(w, "isolation");
	jw_arr(w);
	for (int i = 0; i < ISOLATIONS; i++)
		if (r->isolation & (1u << i))
			jw_str(w, isolation_names[i]);
	jw_arr_end(w);
}

/* "executor", and for Slurm where it runs there. */
static void put_executor(struct jw *w, const struct job_record *r)
{
	jw_key(w, "executor");
	jw_str(w, record_on_slurm(r) ? "slurm" : "local");
	jw_key(w, "slurm");
	if (!record_on_slurm(r)) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_key(w, "job_id");
	put_opt(w, r->slurm_job_id, r->slurm_job_id != 0);
	jw_key(w, "node");
	put_str_or_null(w, r->slurm_node);
	jw_key(w, "partition");
	put_str_or_null(w, r->slurm_partition);
	jw_key(w, "cpus_per_task");
	put_opt(w, r->slurm_cpus, r->slurm_cpus != 0);
	jw_obj_end(w);
}

void record_render(struct jw *w, const struct job_record *r, const char *output, size_t output_len)
{
	char id[24], sig[16];

	jw_obj(w);
	snprintf(id, sizeof id, "%llu", (unsigned long long)r->id);
	jw_key(w, "id");
	jw_str(w, id);
	jw_key(w, "owner");
	jw_str(w, r->owner);
	jw_key(w, "command");
	put_command(w, r->args, r->args_len);
	jw_key(w, "state");
	jw_str(w, job_state_name(r->state));
	jw_key(w, "exit_code");
	put_opt(w, (uint64_t)r->exit_code, r->has_exit);
	jw_key(w, "signal");
	if (r->signal) {
		format_signal(r->signal, sig);
		jw_str(w, sig);
	} else {
		jw_null(w);
	}
	jw_key(w, "error");
	put_str_or_null(w, r->error);
	jw_key(w, "pid");
	put_opt(w, (uint64_t)r->pid, r->pid != 0);
	jw_key(w, "timeout_s");
	jw_int(w, r->timeout_s);
	jw_key(w, "created_at");
	put_time(w, r->created_ms);
	jw_key(w, "started_at");
	put_time(w, r->started_ms);
	jw_key(w, "finished_at");
	put_time(w, r->finished_ms);
	jw_key(w, "output_bytes");
	jw_int(w, (long long)r->output_bytes);
	jw_key(w, "output_truncated");
	jw_bool(w, r->output_truncated);
	jw_key(w, "output_dropped");
	jw_int(w, (long long)r->output_dropped);
	jw_key(w, "output_lost");
	jw_int(w, (long long)r->output_lost);
	jw_key(w, "output_deleted");
	jw_bool(w, r->output_deleted);
	put_limits_and_usage(w, r);
	put_run_as(w, r);
	put_executor(w, r);
	if (output) {
		jw_key(w, "output");
		jw_bytes(w, output, output_len);
	}
	jw_obj_end(w);
}
