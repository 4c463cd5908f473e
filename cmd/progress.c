/*
 * progress.c: the progress line of long runs: "\r" + text + clear to the
 * end of the line, on stderr, never when it is not a terminal.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"
#include "notes.h"

static double
since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void
progress_start(struct progress *p, const char *what, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->on = !quiet && isatty(STDERR_FILENO);
	(void)clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void
progress_update(struct progress *p, size_t done, size_t total)
{
	struct winsize	ws;
	struct timespec	now;
	char		line[256];
	int		width = 80;

	if (!p->on)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (since(&p->start, &now) < 1.0 || (p->shown && done < total &&
	    since(&p->last, &now) < 0.1))
		return;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	pki_progress_format(line, sizeof(line), p->what, done, total,
	    since(&p->start, &now), width);
	fprintf(stderr, "\r%s\033[K", line);
	(void)fflush(stderr);
	p->shown = 1;
	p->last = now;
}

void
progress_clear(struct progress *p)
{
	if (!p->shown)
		return;
	fprintf(stderr, "\r\033[K");
	(void)fflush(stderr);
	p->shown = 0;
}
