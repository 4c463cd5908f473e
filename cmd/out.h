/*
 * out.h: command results, either cfssl JSON on stdout or a -bare file set.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>

struct opts;

/* A command's results; NULL members are absent. */
struct out_items {
	const char	*cert;
	size_t		 cert_len;
	const char	*csr;
	size_t		 csr_len;
	const char	*key;		/* private key PEM (secret) */
	size_t		 key_len;
};

/*
 * With -o NAME, writes NAME.pem, NAME-key.pem (0600) and NAME.csr
 * atomically; otherwise prints cfssl's compact JSON {"cert","csr","key"}
 * and a newline on stdout.  Returns a CMD_RETURN_* status.
 */
int	out_result(const struct opts *o, const struct out_items *it);
/* Writes the cfssljson file set for base; returns CMD_RETURN_*. */
int	out_write_bare(const char *base, const struct out_items *it);
/*
 * Prints a document the library made (text, freed; NULL: out of memory)
 * and a newline.  Returns 0, or -1 after "out of memory".
 */
int	out_doc(char *text);

#endif
