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

/*
 * pki_cert_facts() of a DER certificate without an X509 object: the
 * TBSCertificate is split by der.c's reader and its parts decoded one by
 * one, all but the public key.  In OpenSSL 3.0, d2i_X509 sets up the
 * provider decoders for the public key of every certificate it parses
 * (about a million instructions); bulk readers that need no key (the
 * inventory) use this instead.  keyid (may be NULL) gets the hex of the
 * authorityKeyIdentifier's keyid or, for a self-issued certificate
 * without one whose keyUsage (if any) allows keyCertSign, of its
 * subjectKeyIdentifier; else "".  spki_sha256 hashes the
 * SubjectPublicKeyInfo as found in der (pki_cert_facts() hashes OpenSSL's
 * re-encoding of it: the same bytes for a DER key).  PKI_ERR_UNSUPPORTED
 * when der is not a certificate in DER this reader takes (say, BER
 * lengths): the caller falls back to pki_cert_load() and
 * pki_cert_facts().
 */
int	pki_cert_facts_der(const unsigned char *der, size_t len,
	    struct pki_cert_facts *f, char *keyid, size_t keyidsize,
	    struct pki_error *err) PKI_MUST_CHECK;

/* The keyid of pki_cert_facts_der() for a certificate already loaded. */
void	pki_cert_keyid(const struct pki_cert *cert, char *buf, size_t size);

/* Lower-case hex of os into buf, truncated to size ("" for NULL). */
void	pki_octets_hex(const ASN1_OCTET_STRING *os, char *buf, size_t size);

#endif /* PKI_FACTS_H */
