/*
 * progress.c: the text of the progress line a terminal sees during a long
 * run ("cluster issue: 120/2000 (6%)  41.2/s  ETA 46s"), and when to draw
 * it; the CLI rewrites it in place on a terminal.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

/* A duration of s seconds as "46s", "3m05s" or "2h07m". */
static void
fmt_eta(double s, char *buf, size_t len)
{
	long	n = s < 0 ? 0 : (long)(s + 0.5);

	if (n < 60)
		snprintf(buf, len, "%lds", n);
	else if (n < 3600)
		snprintf(buf, len, "%ldm%02lds", n / 60, n % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", n / 3600, n % 3600 / 60);
}

void
pki_progress_format(char *buf, size_t len, const char *what, size_t done,
    size_t total, double elapsed, int width)
{
	char	eta[32], rate[48];
	double	r;
	size_t	cut;
	int	pct;

	if (len == 0)
		return;
	if (done > total)
		done = total;
	pct = total > 0 ? (int)(100.0 * (double)done / (double)total) : 100;
	rate[0] = '\0';
	if (done > 0 && elapsed > 0) {
		r = (double)done / elapsed;
		fmt_eta((double)(total - done) / r, eta, sizeof(eta));
		snprintf(rate, sizeof(rate), "  %.*f/s  ETA %s", r < 10 ? 1 : 0,
		    r, eta);
	}
	snprintf(buf, len, "%s %zu/%zu (%d%%)%s", what, done, total, pct,
	    rate);
	if (width < 20)
		width = 20;
	/* The last column stays free: no terminal wraps the line. */
	cut = (size_t)width - 1;
	if (strlen(buf) > cut)
		buf[cut] = '\0';
}

double
pki_progress_clock(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
pki_progress_start(struct pki_progress *p, const char *what, int on,
    double now)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->on = on;
	p->start = now;
}

int
pki_progress_due(struct pki_progress *p, size_t done, size_t total,
    double now, int width, char *buf, size_t len)
{
	p->done = done;
	p->total = total;
	if (!p->on || now - p->start < 1.0 || (p->shown && done < total &&
	    now - p->last < 0.1))
		return 0;
	pki_progress_format(buf, len, p->what, done, total, now - p->start,
	    width);
	p->shown = 1;
	p->last = now;
	return 1;
}
