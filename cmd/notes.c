/*
 * notes.c: printing the engine's notes, and -record.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "pki.h"
#include "cmd.h"
#include "log.h"
#include "notes.h"
#include "out.h"

/* Appends one JSON line to -record (pki_note_record). */
static void
record(const char *file, const struct pki_note *n)
{
	struct pki_error	err;

	memset(&err, 0, sizeof(err));
	if (pki_note_record(file, n, &err) != PKI_OK)
		log_err("-record: %s", err.text);
}

/* A note on stdout or stderr, or into no->doc. */
static void
note_out(struct notes *no, const struct pki_note *n)
{
	const char		*sep = n->label != NULL ? ": " : "";
	const char		*label = n->label != NULL ? n->label : "";

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
		if (no->record != NULL)
			record(no->record, n);
		__attribute__((fallthrough));
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
notes_print(void *arg, const struct pki_note *n)
{
	struct notes	*no = arg;

	if (no->pg != NULL)
		progress_clear(no->pg);
	note_out(no, n);
	(void)fflush(stdout);
	progress_redraw(no->pg);
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

int
notes_doc_start(struct notes *no, const struct opts *o, const char *command,
    json_t *extra)
{
	int	r;

	if (opts_enum(o, OPT_FORMAT, OPT_OUT_TEXT) != OPT_OUT_JSON) {
		json_decref(extra);
		return CMD_RETURN_NORMAL;
	}
	if ((r = pki_doc_run_new(command, extra, &no->doc, &no->doc_err)) ==
	    PKI_OK)
		return CMD_RETURN_NORMAL;
	log_pki(&no->doc_err, r);
	return CMD_RETURN_ERROR;
}

int
notes_doc_end(struct notes *no, int outcome, int exit_status)
{
	int	r = no->doc_r;

	if (exit_status < 0)
		exit_status = notes_exit(outcome);
	if (no->doc == NULL || exit_status == CMD_RETURN_USAGE) {
		json_decref(no->doc);
		no->doc = NULL;
		return exit_status;
	}
	if (r == PKI_OK)
		r = pki_doc_renew_finish(no->doc, outcome, exit_status,
		    &no->doc_err);
	r = out_json_doc(r, no->doc, &no->doc_err);
	no->doc = NULL;
	return r == 0 ? exit_status : CMD_RETURN_ERROR;
}
