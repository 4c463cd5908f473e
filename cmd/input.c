/*
 * input.c: the one whole-file reader of the commands (see input.h).
 */
#include <errno.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "log.h"

/* The cap of a password file, as cfssl's env:/file: values go. */
#define PASSWORD_MAX	4096

int
input_read(const char *spec, int flags, char **buf, size_t *len,
    struct pki_error *err)
{
	struct pki_error	 own;
	struct pki_error	*e = err != NULL ? err : &own;
	int			 r;

	memset(e, 0, sizeof(*e));
	if ((r = pki_input_read(spec, (flags & (INPUT_PREFIX |
	    INPUT_PASSWORD)) != 0, (flags & INPUT_PASSWORD) ? PASSWORD_MAX :
	    PKI_MAX_INPUT, buf, len, e)) == PKI_OK)
		return CMD_RETURN_NORMAL;
	if (err == NULL)
		log_pki(e, r);
	errno = e->sys_errno != 0 ? e->sys_errno : EINVAL;
	return CMD_RETURN_ERROR;
}

const char *
input_name(const char *spec)
{
	return strcmp(spec, "-") == 0 ? "<stdin>" : spec;
}
