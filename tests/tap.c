/*
 * tap.c: a minimal TAP producer (see tap.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static int	planned = -1, run, failed;

void
plan(int n)
{
	planned = n;
	printf("1..%d\n", n);
	fflush(stdout);
}

static int	vok(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static int
vok(int cond, const char *fmt, va_list ap)
{
	run++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", run);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

int
ok(int cond, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
is_int(long long got, long long want, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got:  %lld\n#   want: %lld\n", got, want);
	return got == want;
}

int
is_str(const char *got, const char *want, const char *fmt, ...)
{
	va_list	ap;
	int	same;

	same = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_start(ap, fmt);
	vok(same, fmt, ap);
	va_end(ap);
	if (!same)
		printf("#   got:  '%s'\n#   want: '%s'\n",
		    got ? got : "(null)", want ? want : "(null)");
	return same;
}

void
skip(const char *fmt, ...)
{
	va_list	ap;

	run++;
	printf("ok %d # skip ", run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

void
diag(const char *fmt, ...)
{
	va_list	ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int
done_testing(void)
{
	if (planned < 0)
		printf("1..%d\n", run);
	else if (run != planned) {
		printf("# planned %d tests but ran %d\n", planned, run);
		return 1;
	}
	return failed ? 1 : 0;
}

char *
tap_slurp(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL, *nb;
	size_t	 cap = 0, n = 0, r;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

const char *
tap_srcpath(const char *rel)
{
	static char	 path[4096];
	const char	*top = getenv("TOP_SRCDIR");

	snprintf(path, sizeof(path), "%s/%s", top ? top : ".", rel);
	return path;
}

char *
tap_join(char *const *v, size_t n, const char *sep, char *buf, size_t size)
{
	size_t	i;

	*buf = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
		    i > 0 ? sep : "", v[i]);
	return buf;
}

char	tap_warnings[4096];

void
tap_collect(void *arg, const char *text)
{
	size_t	n = strlen(tap_warnings);

	(void)arg;
	snprintf(tap_warnings + n, sizeof(tap_warnings) - n, "%s\n", text);
}
