/*
 * input.h: the one whole-file reader of the commands, over the library's
 * pki_input_read() and its size cap.
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>

struct pki_error;

#define INPUT_PREFIX	0x1	/* env:VAR and file:PATH, as -ca takes */
#define INPUT_PASSWORD	0x2	/* a password: at most 4096 bytes */

/*
 * Reads spec whole: "-" (stdin), a path, or with INPUT_PREFIX env:VAR or
 * file:PATH; at most PKI_MAX_INPUT bytes (INPUT_PASSWORD: 4096).  *buf is
 * NUL-terminated (not counted in *len) and the caller's: free() it, or
 * pki_secret_free(*buf, *len) when it may hold a secret.  On failure,
 * with err NULL the error is printed ("prog: cmd: path: problem"); with
 * err it is left there for the caller to word, and nothing is printed.
 * Either way errno is then the read's (ENOENT: a missing file) or EINVAL.
 * Returns CMD_RETURN_NORMAL or CMD_RETURN_ERROR.
 */
int	input_read(const char *spec, int flags, char **buf, size_t *len,
	    struct pki_error *err);

/* The name of spec in messages: "<stdin>" for "-", else spec. */
const char *input_name(const char *spec);

#endif
