/*
 * notes.c: printing the engine's notes, and -record.
 */
#include <stdio.h>
#include <string.h>

#include "pki.h"
#include "log.h"
#include "notes.h"

/* Appends one JSON line to -record (pki_note_record). */
static void
record(const char *file, const struct pki_note *n)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (pki_note_record(file, n, &err) != PKI_OK)
		log_err("-record: %s", err.text);
}

void
notes_print(void *arg, const struct pki_note *n)
{
	struct notes		*no = arg;
	const char		*sep = n->label != NULL ? ": " : "";
	const char		*label = n->label != NULL ? n->label : "";

	if (no->pg != NULL)
		progress_clear(no->pg);
	if (no->doc != NULL && no->doc_r == PKI_OK)
		no->doc_r = pki_doc_renew_note(no->doc, n, &no->doc_err);
	switch (n->kind) {
	case PKI_NOTE_ERROR:
		log_err("%s%s%s", label, sep, n->text);
		return;
	case PKI_NOTE_WARNING:
		log_msg(LOG_WARNING, "%s%s%s", label, sep, n->text);
		return;
	case PKI_NOTE_STEP:
		if (!no->quiet && no->doc == NULL) {
			printf("%s%s%s\n", label, sep, n->text);
			(void)fflush(stdout);
		}
		if (no->record != NULL)
			record(no->record, n);
		return;
	case PKI_NOTE_INFO:
		if (no->quiet)
			return;
		break;
	default:
		break;
	}
	if (no->doc == NULL)
		printf("%s%s%s\n", label, sep, n->text);
}

void
notes_progress(void *arg, size_t done, size_t total)
{
	struct notes	*no = arg;

	if (no->pg != NULL)
		progress_update(no->pg, done, total);
}

int
notes_exit(int outcome)
{
	static const int status[] = { 0, 10, 75, 3, 1, 4, 5 };

	if (outcome < 0 || outcome >= (int)(sizeof(status) /
	    sizeof(status[0])))
		return 1;
	return status[outcome];
}
