/*
 * der.h: a minimal DER writer shared by sign.c (extensions as Go marshals
 * them) and fastleaf.c (whole requests and certificates).  Private to
 * pki/.
 *
 * A struct pki_der starts zeroed and grows as bytes are appended.  An
 * allocation failure (or a length DER cannot hold here) sets oom and
 * turns every later append into a no-op, so callers check oom once at
 * the end.  pki_der_reset() frees the buffer and zeroes the struct.
 */
#ifndef PKI_DER_H
#define PKI_DER_H

#include <stddef.h>

#include <openssl/asn1.h>

struct pki_der {
	unsigned char	*p;
	size_t		 len, cap;
	int		 oom;
};

/* Appends n raw bytes. */
void	pki_der_put(struct pki_der *d, const void *src, size_t n);
/* Appends tag, definite length and the n bytes of value v. */
void	pki_der_tlv(struct pki_der *d, unsigned int tag, const void *v,
	    size_t n);
/* Appends inner's contents wrapped in tag (inner is left as it is). */
void	pki_der_wrap(struct pki_der *d, unsigned int tag,
	    const struct pki_der *inner);
/* Appends an OBJECT IDENTIFIER (oom if o is NULL or empty). */
void	pki_der_oid(struct pki_der *d, const ASN1_OBJECT *o);
/* Appends a non-negative INTEGER in its minimal form. */
void	pki_der_uint(struct pki_der *d, unsigned long v);
/* Frees the buffer and zeroes d. */
void	pki_der_reset(struct pki_der *d);

/* A span of DER being read (borrowed bytes). */
struct pki_der_in {
	const unsigned char	*p;
	size_t			 len;
};

/*
 * Reads the next element of in if its identifier octet is tag (one-octet
 * identifiers only): *v gets its contents, *tlv (may be NULL) the whole
 * element, and in moves past it.  Returns 1; 0 when in is empty or the
 * next element has another tag (in is unchanged); -1 when the element is
 * malformed: an indefinite, non-minimal or overlong length, or one that
 * runs past the end of in.
 */
int	pki_der_read(struct pki_der_in *in, unsigned int tag,
	    struct pki_der_in *v, struct pki_der_in *tlv);

#endif /* PKI_DER_H */
