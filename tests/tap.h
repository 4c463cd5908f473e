/*
 * tap.h: a minimal Test Anything Protocol producer for the unit tests.
 */
#ifndef TAP_H
#define TAP_H

#include <stddef.h>

/* Declares the number of tests (call once, first). */
void	plan(int n);
/* Prints "ok N - name" or "not ok N - name"; returns cond. */
int	ok(int cond, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Compares integers / strings (NULL-safe) and prints both on failure. */
int	is_int(long long got, long long want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	is_str(const char *got, const char *want, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Prints "ok N # skip reason". */
void	skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a "# ..." diagnostic line. */
void	diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns the exit status: 0 if all planned tests ran and passed. */
int	done_testing(void);
/* Reads a whole file (NUL-terminated); NULL on error.  Caller frees. */
char	*tap_slurp(const char *path, size_t *len);
/* "$TOP_SRCDIR/rel" (or "./rel"); returns a static buffer. */
const char *tap_srcpath(const char *rel);
/* The n strings of v joined by sep into buf (truncated to size); buf. */
char	*tap_join(char *const *v, size_t n, const char *sep, char *buf,
	    size_t size);
/*
 * A warning sink for struct pki_parse_opts (.warn = tap_collect): appends
 * each warning and a newline to tap_warnings, which the test clears.
 */
extern char	tap_warnings[4096];
void	tap_collect(void *arg, const char *text);

#endif
