/*
 * facts.h: the SAN text form of facts.c, which clverify.c reuses.
 * Private to pki/.
 */
#ifndef PKI_FACTS_H
#define PKI_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "pki.h"

struct GENERAL_NAME_st;

/*
 * Writes one SAN as text into buf: "DNS:x", "IP:10.0.0.1" (Go's
 * net.IP.String(), so an IPv4-mapped address is shown as IPv4),
 * "email:x", "URI:x", else "other:N".  Truncates to size.
 */
void	pki_san_text(const struct GENERAL_NAME_st *gen, char *buf,
	    size_t size);

/*
 * One-line form of a name in certificate order: "CN=etcd1,O=Example",
 * attributes of one multi-valued RDN joined with '+'.  *out (malloc'ed)
 * receives it and, when cn is not NULL, *cn the last CN ("" when there
 * is none).
 */
int	pki_name_oneline(const X509_NAME *name, char **out, char **cn,
	    struct pki_error *err) PKI_MUST_CHECK;

/* An ASN1_TIME as Unix seconds; what names it in the error. */
int	pki_asn1_time_unix(const ASN1_TIME *t, int64_t *out, const char *what,
	    struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_FACTS_H */
