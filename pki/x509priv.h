/*
 * x509priv.h: helpers of name.c, hosts.c, key.c and req.c that other
 * pki/ sources (sign.c, certinfo.c, cert.c) reuse.  Private to pki/.
 */
#ifndef PKI_X509PRIV_H
#define PKI_X509PRIV_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"

/*
 * The "subject"/"issuer" object of cfssl certinfo for name: common_name,
 * serial_number, country, organization, organizational_unit, locality,
 * province, street_address, postal_code (multiple values joined with ",",
 * empty ones omitted; CN and serialNumber: the last one wins) and names
 * (every attribute value in RDN order; omitted when there is none).
 * Returns a new reference, or NULL with err filled (a value that cannot
 * be converted to UTF-8, or out of memory).
 */
json_t		*pki_name_info_json(const X509_NAME *name,
		    struct pki_error *err);

/*
 * cfssl's helpers.SignatureString for a signature algorithm NID (as
 * X509_get_signature_nid() / X509_REQ_get_signature_nid() return it):
 * "SHA256WithRSA", "ECDSAWithSHA384", "Ed25519", ..., else
 * "Unknown Signature".  Returns a static string.
 */
const char	*pki_sigalg_name(int nid);

/*
 * Adds the SAN members of cfssl's certinfo to obj (borrowed): "sans"
 * (DNS names, then IP addresses formatted as Go's net.IP.String()), and,
 * when all is set, "emails" and "uris".  Keys with no value are not
 * added.  gens may be NULL.  Returns 0 or PKI_ERR_ALLOC.
 */
int		 pki_san_info_json(const GENERAL_NAMES *gens, int all,
		    json_t *obj, struct pki_error *err) PKI_MUST_CHECK;

/*
 * Formats an IP address (4 or 16 bytes) as Go's net.IP.String() does:
 * dotted quad for IPv4 and IPv4-mapped IPv6, RFC 5952 style otherwise
 * ("?" and hex for other lengths).  buf should hold 64 bytes.
 */
void		 pki_ip_format(const unsigned char *ip, size_t len, char *buf,
		    size_t size);

/* pki_key_desc() for a bare EVP_PKEY ("rsa-2048", "ecdsa-256", ...). */
void		 pki_pkey_desc(const EVP_PKEY *pkey, char *buf, size_t len);

/*
 * cfssl's public_key_algorithm name for a key: "RSA", "ECDSA", "Ed25519",
 * else "Unknown".  Returns a static string.
 */
const char	*pki_pkey_alg_name(const EVP_PKEY *pkey);

/*
 * Converts an X509_NAME_ENTRY value to a NUL-terminated UTF-8 string
 * (ASN1_STRING_to_UTF8 semantics).  *out is malloc'ed.  what names the
 * attribute in error messages.  A value with an embedded NUL byte is
 * rejected.
 */
int		 pki_asn1_string_utf8(const ASN1_STRING *s, const char *what,
		    char **out, struct pki_error *err) PKI_MUST_CHECK;

/*
 * Appends a new extension (obj borrowed, criticality, extnValue contents
 * val/len) to sk.  Returns 0 or a PKI_ERR_* code.
 */
int		 pki_ext_push(STACK_OF(X509_EXTENSION) *sk,
		    const ASN1_OBJECT *obj, int crit, const unsigned char *val,
		    size_t len, struct pki_error *err) PKI_MUST_CHECK;

/*
 * 1 when the extensions hold a decodable basicConstraints with cA TRUE
 * (pki_cert_is_ca() of a certificate with these extensions).
 */
int		 pki_exts_is_ca(const STACK_OF(X509_EXTENSION) *exts);

/*
 * The DER of the first CERTIFICATE block of a PEM text (other blocks
 * before it are skipped), as pki_cert_load() reads it: *der is freed with
 * OPENSSL_free().  Errors name source.
 */
int		 pki_cert_pem_der(const char *buf, size_t len,
		    const char *source, unsigned char **der, long *derlen,
		    struct pki_error *err) PKI_MUST_CHECK;

/* The certificate of a DER text, exactly (pki_cert_load()'s second half). */
int		 pki_cert_from_der(const unsigned char *der, long len,
		    const char *source, struct pki_cert **out,
		    struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_X509PRIV_H */
