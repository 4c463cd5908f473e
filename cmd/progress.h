/*
 * progress.h: one updating progress line on stderr, only on a terminal
 * (the text is pki_progress_format's).
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stddef.h>
#include <time.h>

struct progress {
	const char	*what;
	int		 on;		/* stderr is a terminal, not -quiet */
	int		 shown;		/* a line is on the screen */
	struct timespec	 start, last;
};

/* Starts p for a run named what; off when quiet or stderr is no tty. */
void	progress_start(struct progress *p, const char *what, int quiet);
/* Shows done of total once the run has lasted a second, at most 10/s. */
void	progress_update(struct progress *p, size_t done, size_t total);
/* Erases the line, if shown, before other output (the next update
 * draws it again). */
void	progress_clear(struct progress *p);

#endif
