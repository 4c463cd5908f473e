/*
 * progress.c: the progress line of long runs on a terminal's stderr, "\r"
 * + text + clear to the end of the line, when pki_progress_due says.
 */
#include <sys/ioctl.h>

#include <stdio.h>
#include <unistd.h>

#include "pki.h"
#include "notes.h"

/* The line on the screen, if any: log.c erases it before a message. */
static struct pki_progress	*on_screen;

void
progress_start(struct pki_progress *p, const char *what, int quiet)
{
	pki_progress_start(p, what, !quiet && isatty(STDERR_FILENO), pki_progress_clock());
}

void
progress_update(struct pki_progress *p, size_t done, size_t total)
{
	struct winsize	ws;
	char		line[256];

	if (!p->on || ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) != 0)
		ws.ws_col = 0;
	if (pki_progress_due(p, done, total, pki_progress_clock(), ws.ws_col > 0 ?
	    ws.ws_col : 80, line, sizeof(line))) {
		fprintf(stderr, "\r%s\033[K", line);
		(void)fflush(stderr);
		on_screen = p;
	}
}

void
progress_clear(struct pki_progress *p)
{
	if (!p->shown)
		return;
	fprintf(stderr, "\r\033[K");
	(void)fflush(stderr);
	p->shown = 0;
	on_screen = NULL;
}

void
progress_redraw(struct pki_progress *p)
{
	if (p != NULL && p->total > 0)
		progress_update(p, p->done, p->total);
}

void
progress_erase(void)
{
	if (on_screen != NULL)
		progress_clear(on_screen);
}
