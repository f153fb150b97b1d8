/*
 * spool: every job's whole output on disk, one pair of files per job in the output directory
 * (--output-dir), bounded per job (--output-max) and in all (--output-total).
 *
 *   ID.out  the bytes the job wrote to stdout and stderr, in the order jobsupd read them
 *   ID.idx  which stream each stretch of ID.out came from: one record per stretch, 4 bytes
 *           little-endian, the top bit the stream (0 stdout, 1 stderr), the rest its length
 *
 * jobsupd only writes; readers (jobapi) get read-only descriptors of both files over the
 * protocol and read at their own pace, up to the lengths jobsupd tells them (spool_reader.h
 * reads them). A write never blocks a job on a reader, and never fails a job: past
 * --output-max bytes are counted and dropped; when the directory would go over
 * --output-total, the outputs of the jobs that ended first are deleted to make room (and their
 * records say so), and when none is left to delete the bytes are dropped; a write error (a full
 * disk) loses the bytes, counted, and is logged once per job.
 */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h" /* the files' format: SPOOL_STDOUT, SPOOL_STDERR, SPOOL_STREAM_BIT */

struct spool;
/* Free at least need bytes of the budget by deleting the output of ended jobs; returns how
 * many bytes it freed (0: nothing is left to delete). */
typedef uint64_t spool_reclaim_fn(void *ctx, uint64_t need);

struct spool {
	bool enabled;	    /* false with --output-dir none: output lives in memory only */
	int dirfd;	    /* the output directory */
	uint64_t max;	    /* per job (--output-max) */
	uint64_t total_max; /* in all (--output-total) */
	uint64_t total;	    /* bytes in the directory now (both files of every job) */
	spool_reclaim_fn *reclaim;
	void *reclaim_ctx;
};

/* One job's output on disk. */
struct spool_file {
	int data_fd, idx_fd; /* for writing, while the job runs; -1 otherwise */
	uint64_t len;	     /* bytes in ID.out */
	uint64_t idx_len;    /* bytes in ID.idx */
	uint64_t dropped;    /* bytes not kept: over --output-max, or no room in --output-total */
	uint64_t lost;	     /* bytes a write error lost */
	bool warned;	     /* the loss was logged */
	bool opened;	     /* its files were made (or that was tried) */
};

/* Open (creating it, 0700) and clean the directory: files a previous jobsupd left are removed.
 * dir NULL: the spool is off. 0, or -1 after logging why. */
int spool_init(struct spool *sp, const char *dir, uint64_t max, uint64_t total_max);
void spool_fini(struct spool *sp);
/* Remove every job's files (at start-up, what a previous jobsupd left; at exit, what this one
 * leaves: job ids start again from 1). */
void spool_clean(struct spool *sp);
void spool_set_reclaim(struct spool *sp, spool_reclaim_fn *fn, void *ctx);
/* A sensible --output-total for the filesystem of dir: a quarter of its size, at least 1 GiB. */
uint64_t spool_default_total(const char *dir);

/* Begin job id's files, once (later calls do nothing): at its first output (a job that writes
 * nothing costs no file), or when a follower asks for them. A failure is logged and counted as
 * the job's loss: the job runs. */
void spool_open(struct spool *sp, uint64_t id, struct spool_file *f);
/* Append n bytes the job wrote on stream (SPOOL_STDOUT or SPOOL_STDERR). */
void spool_write(struct spool *sp, uint64_t id, struct spool_file *f, int stream, const void *p,
		 size_t n);
/* The job has ended: close the writing side (the files stay until spool_remove). */
void spool_close(struct spool_file *f);
/* Delete job id's files, which hold bytes bytes. */
void spool_remove(struct spool *sp, uint64_t id, uint64_t bytes);
/* Read-only descriptors of job id's files (close-on-exec), for a reader. 0, or -1 (errno). */
int spool_open_readers(const struct spool *sp, uint64_t id, int *data_fd, int *idx_fd);

#endif
