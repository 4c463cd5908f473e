/*
 * der.c: the minimal DER writer and reader of der.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include "der.h"

void
pki_der_put(struct pki_der *d, const void *src, size_t n)
{
	unsigned char	*np;
	size_t		 nc;

	if (d->oom || n == 0)
		return;
	if (n > SIZE_MAX / 4 - d->len) {
		d->oom = 1;
		return;
	}
	if (d->len + n > d->cap) {
		nc = d->cap != 0 ? d->cap : 64;
		while (nc < d->len + n)
			nc *= 2;
		if ((np = realloc(d->p, nc)) == NULL) {
			d->oom = 1;
			return;
		}
		d->p = np;
		d->cap = nc;
	}
	memcpy(d->p + d->len, src, n);
	d->len += n;
}

/* Appends tag, definite length and n bytes of value. */
void
pki_der_tlv(struct pki_der *d, unsigned int tag, const void *v, size_t n)
{
	unsigned char	hdr[6];
	size_t		h = 0;

	hdr[h++] = (unsigned char)tag;
	if (n < 0x80)
		hdr[h++] = (unsigned char)n;
	else if (n <= 0xff) {
		hdr[h++] = 0x81;
		hdr[h++] = (unsigned char)n;
	} else if (n <= 0xffff) {
		hdr[h++] = 0x82;
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	} else if (n <= 0xffffff) {
		hdr[h++] = 0x83;
		hdr[h++] = (unsigned char)(n >> 16);
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	} else {
		d->oom = 1;
		return;
	}
	pki_der_put(d, hdr, h);
	pki_der_put(d, v, n);
}

/* Appends inner's contents wrapped in tag (inner is left as it is). */
void
pki_der_wrap(struct pki_der *d, unsigned int tag, const struct pki_der *inner)
{
	if (inner->oom)
		d->oom = 1;
	pki_der_tlv(d, tag, inner->p, inner->len);
}

void
pki_der_oid(struct pki_der *d, const ASN1_OBJECT *o)
{
	if (o == NULL || OBJ_length(o) == 0) {
		d->oom = 1;
		return;
	}
	pki_der_tlv(d, V_ASN1_OBJECT, OBJ_get0_data(o), OBJ_length(o));
}

/* A non-negative INTEGER in its minimal two's-complement form. */
void
pki_der_uint(struct pki_der *d, unsigned long v)
{
	unsigned char	b[sizeof(v) + 1];
	size_t		i = sizeof(b);

	do {
		b[--i] = (unsigned char)v;
		v >>= 8;
	} while (v != 0);
	if (b[i] & 0x80)
		b[--i] = 0;
	pki_der_tlv(d, V_ASN1_INTEGER, b + i, sizeof(b) - i);
}

void
pki_der_reset(struct pki_der *d)
{
	free(d->p);
	memset(d, 0, sizeof(*d));
}

int
pki_der_read(struct pki_der_in *in, unsigned int tag, struct pki_der_in *v,
    struct pki_der_in *tlv)
{
	const unsigned char	*p = in->p;
	size_t			 left = in->len, n, h, i, nb;

	if (left == 0 || p[0] != tag)
		return 0;
	if (left < 2)
		return -1;
	h = 2;
	if (p[1] < 0x80)
		n = p[1];
	else {
		/* Long form: 1 to 4 length octets, minimal (DER). */
		nb = p[1] & 0x7f;
		if (nb == 0 || nb > 4 || left < 2 + nb || p[2] == 0)
			return -1;
		for (n = 0, i = 0; i < nb; i++)
			n = (n << 8) | p[2 + i];
		if (n < 0x80)
			return -1;
		h += nb;
	}
	if (n > left - h)
		return -1;
	v->p = p + h;
	v->len = n;
	if (tlv != NULL) {
		tlv->p = p;
		tlv->len = h + n;
	}
	in->p = p + h + n;
	in->len = left - h - n;
	return 1;
}
