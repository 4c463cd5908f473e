/*
 * note.c: how the rollover engine reports (struct pki_note), and the
 * date texts its messages carry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine.h"

static void	vnote(const struct pki_notify *, int, const char *,
		    const char *, const char *, const char *, va_list)
		    __attribute__((format(printf, 6, 0)));

/* Formats and sends one note. */
static void
vnote(const struct pki_notify *nt, int kind, const char *event,
    const char *name, const char *label, const char *fmt, va_list ap)
{
	struct pki_note	n;
	char		text[2048];

	if (nt == NULL || nt->note == NULL)
		return;
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	pki_text_oneline(text, sizeof(text));
	memset(&n, 0, sizeof(n));
	n.kind = kind;
	n.event = event;
	n.name = name;
	n.label = label;
	n.text = text;
	nt->note(nt->arg, &n);
}

void
pki_note(const struct pki_notify *nt, int kind, const char *label,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vnote(nt, kind, NULL, NULL, label, fmt, ap);
	va_end(ap);
}

void
pki_note_step(const struct pki_notify *nt, const char *event,
    const char *name, const char *label, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vnote(nt, PKI_NOTE_STEP, event, name, label, fmt, ap);
	va_end(ap);
}

void
pki_note_err(const struct pki_notify *nt, const char *label,
    const struct pki_error *err, int code)
{
	pki_note(nt, PKI_NOTE_ERROR, label, "%s", err != NULL &&
	    err->text[0] != '\0' ? err->text : pki_strerror(code));
}

void
pki_time_format(int64_t t, char *buf, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%lld", (long long)t);
}

void
pki_time_left(int64_t sec, char *buf, size_t len)
{
	if (sec <= 0)
		snprintf(buf, len, "<expired>");
	else if (sec >= 86400)
		snprintf(buf, len, "%lldd", (long long)(sec / 86400));
	else if (sec >= 3600)
		snprintf(buf, len, "%lldh", (long long)(sec / 3600));
	else
		snprintf(buf, len, "%lldm", (long long)(sec / 60));
}
