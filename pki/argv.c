/*
 * argv.c: a command given as one flag value (hooks, restart, stop and
 * start commands) split into words without a shell (see pki.h).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Appends one word (buf, len bytes) to *v (n words so far). */
static int
push_word(char ***v, size_t *n, const char *buf, size_t len)
{
	char	**nv;

	if ((nv = realloc(*v, (*n + 2) * sizeof(**v))) == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strndup(buf, len)) == NULL)
		return -1;
	nv[++*n] = NULL;
	return 0;
}

int
pki_argv_split(const char *text, char ***argv, size_t *argc,
    struct pki_error *err)
{
	char		*word = NULL, **v = NULL;
	size_t		 n = 0, wl = 0;
	const char	*p = text;
	int		 inword = 0, r = PKI_ERR_INTERNAL;
	char		 q;

	*argv = NULL;
	*argc = 0;
	if ((word = malloc(strlen(text) + 1)) == NULL)
		return pki_err(err, PKI_ERR_ALLOC, "out of memory");
	for (;;) {
		if (*p == '\0' || *p == ' ' || *p == '\t' || *p == '\n') {
			if (inword && push_word(&v, &n, word, wl) != 0) {
				r = pki_err(err, PKI_ERR_ALLOC,
				    "out of memory");
				goto out;
			}
			inword = 0;
			wl = 0;
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		inword = 1;
		if (*p == '\\') {
			if (p[1] == '\0') {
				r = pki_err(err, PKI_ERR_INPUT, "a backslash "
				    "ends the command");
				goto out;
			}
			word[wl++] = p[1];
			p += 2;
			continue;
		}
		if (*p != '\'' && *p != '"') {
			word[wl++] = *p++;
			continue;
		}
		q = *p++;
		while (*p != q) {
			if (*p == '\0') {
				r = pki_err(err, PKI_ERR_INPUT, "unterminated "
				    "%c quote", q);
				goto out;
			}
			if (q == '"' && *p == '\\' && (p[1] == '"' ||
			    p[1] == '\\'))
				p++;
			word[wl++] = *p++;
		}
		p++;
	}
	if (n == 0) {
		r = pki_err(err, PKI_ERR_ARG, "the command is empty");
		goto out;
	}
	*argv = v;
	*argc = n;
	v = NULL;
	n = 0;
	r = PKI_OK;
 out:
	free(word);
	if (v != NULL) {
		/* push_word may have failed between realloc and strndup. */
		while (n > 0)
			free(v[--n]);
		free(v);
	}
	return r;
}
