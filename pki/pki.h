/*
 * pki.h: the etcd-pki library, the only public header.
 *
 * The library reads cfssl's JSON inputs, generates keys and requests, signs
 * certificates the way cfssl does and writes files atomically.  It never
 * prints and never exits: every function returns 0 (PKI_OK) or a negative
 * PKI_ERR_* code and, when the caller passes one, fills a struct pki_error
 * with a one-line message of the form "file: json.path: problem".
 *
 * Ownership: an out-parameter "**out" is set to NULL on entry and, on
 * success, receives a new object the caller frees with the matching
 * pki_*_free(), which accepts NULL.  Strings returned through "char **"
 * are freed with free(), except private-key PEM which is freed with
 * pki_secret_free().  "const" parameters are borrowed.
 */
#ifndef PKI_H
#define PKI_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define PKI_MUST_CHECK __attribute__((warn_unused_result))

/* Error codes: 0 or negative.  pki_strerror() maps them to text. */
#define PKI_OK			 0
#define PKI_ERR_INTERNAL	-1	/* a bug or an impossible state */
#define PKI_ERR_ALLOC		-2	/* out of memory */
#define PKI_ERR_IO		-3	/* a system call failed; sys_errno set */
#define PKI_ERR_JSON		-4	/* input is not well-formed JSON */
#define PKI_ERR_INPUT		-5	/* a JSON value has the wrong type or value */
#define PKI_ERR_UNKNOWN_KEY	-6	/* unknown JSON key (strict mode) */
#define PKI_ERR_KEY		-7	/* unsupported or invalid key */
#define PKI_ERR_PEM		-8	/* no usable PEM block, or bad DER inside */
#define PKI_ERR_CRYPTO		-9	/* libcrypto failed */
#define PKI_ERR_POLICY		-10	/* the signing policy forbids the request */
#define PKI_ERR_CONFIG		-11	/* the signing configuration is invalid */
#define PKI_ERR_PROFILE		-12	/* unknown signing profile */
#define PKI_ERR_MISMATCH	-13	/* key does not match certificate */
#define PKI_ERR_ENCRYPTED	-14	/* encrypted key: no or wrong password */
#define PKI_ERR_TOO_BIG		-15	/* input over the size cap */
#define PKI_ERR_ARG		-16	/* invalid argument from the caller */
#define PKI_ERR_UNSUPPORTED	-17	/* valid input we do not implement */
#define PKI_ERR_SIGNATURE	-18	/* a signature does not verify */
#define PKI_ERR_BUSY		-19	/* another run holds the lock */
#define PKI_ERR_UNAVAILABLE	-20	/* a library the command needs cannot be loaded */

/* Largest input file the library reads (bytes). */
#define PKI_MAX_INPUT		(4 * 1024 * 1024)

/*
 * Filled by every function that takes one (may be NULL).  source is the
 * file or label the problem is in ("" if none), line/column are 1-based
 * positions for JSON syntax errors (0 otherwise), text is the complete
 * message, already prefixed with source and JSON path.
 */
struct pki_error {
	int	code;
	int	sys_errno;
	char	source[256];
	int	line;
	int	column;
	char	text[512];
};

/* Returns a static description of a PKI_ERR_* code. */
const char	*pki_strerror(int code);

/* Frees a secret buffer after wiping len bytes of it; accepts NULL. */
void		 pki_secret_free(void *buf, size_t len);

/*
 * The strictness policy of one run (etcd-pki(1) COMPATIBILITY).  What
 * cfssl accepts but deserves a word (an unknown key, a repeated key, a
 * 3-letter country, an unknown usage, a leaf that outlives its CA, ...)
 * is reported through warn (text is a full "file: path: problem" line);
 * with strict the same conditions are errors instead.  An issuer that
 * cannot sign certificates that verify (expired, not yet valid, not a CA)
 * is an error unless allow_invalid_issuer is set, which -strict does not
 * undo.  A NULL pointer means: not strict, no warnings, no allowance.
 */
struct pki_parse_opts {
	int	 strict;
	void	(*warn)(void *arg, const char *text);
	void	*warn_arg;
	int	 allow_invalid_issuer;
	/*
	 * The command has no -allow-invalid-issuer (renew, ca rotate: each
	 * certificate they issue must verify before it is installed): the
	 * refusal of an invalid issuer does not offer it.
	 */
	int	 no_allowance_flag;
	/*
	 * The CSR JSON's CN or hosts are replaced before use (-cn,
	 * -hostname): their caps are not checked, so that no warning
	 * names a value the certificate does not get.
	 */
	int	 cn_replaced;
	int	 hosts_replaced;
};

/*
 * Reads a whole input.  spec is "-" (stdin), a path, or, when
 * allow_prefix is set, "env:NAME" or "file:PATH" as cfssl's -ca/-ca-key
 * accept; another "X:" prefix fails with "unknown prefix: X" unless the
 * whole spec names an existing file.  At most max bytes are accepted
 * (PKI_ERR_TOO_BIG past that).  *buf is NUL-terminated (not counted in
 * *len) and must be freed with pki_secret_free(*buf, *len) if it may hold
 * a secret, free() otherwise.
 */
int		 pki_input_read(const char *spec, int allow_prefix, size_t max,
		    char **buf, size_t *len, struct pki_error *err) PKI_MUST_CHECK;

/*
 * The password of an encrypted CA key, from the first source that has
 * one: spec (the -ca-key-password flag: "env:VAR" or "file:PATH"; other
 * forms are refused, PKI_ERR_ARG), $CFSSL_CA_PK_PASSWORD, or the systemd
 * credential PKI_CA_PASSWORD_CRED in $CREDENTIALS_DIRECTORY (a unit's
 * LoadCredential=).  A trailing newline of a file is not part of it.
 * *pw is NULL when there is none; else free it with pki_secret_free(*pw,
 * *len).  *from names the source for messages (static), or NULL.
 */
#define PKI_CA_PASSWORD_CRED	"ca-key-password"
int		 pki_ca_password(const char *spec, char **pw, size_t *len,
		    const char **from, struct pki_error *err) PKI_MUST_CHECK;

/* ---- durations ------------------------------------------------------ */

/*
 * Parses a Go duration ("8760h", "1h30m", "-5m", "1.5h", "0") and, as an
 * extension, the units "d" (24h) and "y" (365d), into nanoseconds.
 * Overflow of int64 is an error.  err->text is "duration: problem"; the
 * caller adds context.
 */
int		 pki_duration_parse(const char *s, int64_t *ns,
		    struct pki_error *err) PKI_MUST_CHECK;

/* Formats ns the way Go's time.Duration.String() does ("43800h0m0s"). */
void		 pki_duration_format(int64_t ns, char *buf, size_t len);

/* ---- usages --------------------------------------------------------- */

#define PKI_USAGE_KU	1	/* value is an X509v3 KU_* bit (OpenSSL's) */
#define PKI_USAGE_EKU	2	/* value is an OpenSSL NID */

/*
 * Looks up a cfssl usage name ("signing", "server auth", both spellings
 * of "content commitment").  Returns 0 and sets kind/value, or
 * PKI_ERR_INPUT for an unknown name.
 */
int		 pki_usage_lookup(const char *name, int *kind, int *value);

/* Returns the i-th known usage name, or NULL past the end. */
const char	*pki_usage_name(size_t i);

/* ---- hosts ---------------------------------------------------------- */

#define PKI_HOST_DNS	0
#define PKI_HOST_IP	1
#define PKI_HOST_EMAIL	2
#define PKI_HOST_URI	3

/*
 * Classifies one "hosts" entry as cfssl does (IP, then e-mail address,
 * then request URI, else DNS; no trimming).  *value receives the SAN value
 * (the bare address for "Name <a@b>", the 4- or 16-byte binary address
 * for an IP, otherwise a copy of host) and *vlen its length.
 * Returns the PKI_HOST_* type (>= 0) or a negative error.
 */
int		 pki_host_classify(const char *host, unsigned char **value,
		    size_t *vlen, struct pki_error *err) PKI_MUST_CHECK;

/* ---- host list caps (pki/csr.c) -------------------------------------- */

/*
 * Checks a host list (given as what, e.g. "-hostname") against the caps a
 * CSR JSON's "hosts" has (etcd-pki(1) DIAGNOSTICS): the number of hosts
 * and the length of a DNS name, a DNS label, an e-mail address and a URI
 * (PKI_ERR_INPUT with err filled as "what: problem"); hosts that look
 * like IP addresses but are not, or are empty, are warnings through opts
 * (may be NULL), errors ("what: "host": problem") with opts->strict.
 * hosts is borrowed.
 */
int		 pki_hosts_check_caps(char *const *hosts, size_t n,
		    const char *what, const struct pki_parse_opts *opts,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- CSR JSON (cfssl's CertificateRequest) -------------------------- */

struct pki_csr;

/*
 * Parses CSR JSON from buf (len bytes); source names it in messages.
 * With subject_only, accepts only what cfssl's sign SUBJECT file holds
 * (CN, names, SerialNumber).
 */
int		 pki_csr_parse(const char *buf, size_t len, const char *source,
		    int subject_only, const struct pki_parse_opts *opts,
		    struct pki_csr **out, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_csr_free(struct pki_csr *csr);

/* Replaces CN (gencert -cn); opts: the policy's warnings (may be NULL). */
int		 pki_csr_set_cn(struct pki_csr *csr, const char *cn,
		    const struct pki_parse_opts *opts,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * A comma-separated list (-hostname) as a vector: split on ',', no trim,
 * "" is no hosts (cfssl's SplitHosts).  *v is the caller's, freed with
 * pki_strv_free.
 */
int		 pki_hosts_split(const char *list, char ***v, size_t *n,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Replaces hosts with a comma-separated list (split on ',', no trim),
 * reporting hosts as the CSR JSON's are (opts may be NULL).
 */
int		 pki_csr_set_hosts(struct pki_csr *csr, const char *list,
		    const struct pki_parse_opts *opts,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Returns 1 if the CSR JSON has a (non-null) "ca" section. */
int		 pki_csr_has_ca(const struct pki_csr *csr);
/* Returns the number of hosts. */
size_t		 pki_csr_nhosts(const struct pki_csr *csr);
/* Host i as written (i < pki_csr_nhosts), borrowed; NULL past the end. */
const char	*pki_csr_host(const struct pki_csr *csr, size_t i);
/*
 * A copy of the CSR JSON's hosts, NULL-terminated (*hosts NULL and *n 0
 * when it has none: a remote request then sends none, as cfssl's client
 * does); free with pki_strv_free.  PKI_ERR_ALLOC.
 */
int		 pki_csr_hosts_copy(const struct pki_csr *csr, char ***hosts,
		    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
/* Writes "ecdsa-256" style key description into buf. */
void		 pki_csr_key_desc(const struct pki_csr *csr, char *buf,
		    size_t len);
/*
 * The -initca subject check: CN set, or every names[] entry has one of
 * C, ST, L, O, OU.  Returns PKI_ERR_INPUT ("missing subject information").
 */
int		 pki_csr_check_subject(const struct pki_csr *csr,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- signing configuration ------------------------------------------ */

struct pki_config;
struct pki_profile;

int		 pki_config_parse(const char *buf, size_t len,
		    const char *source, const struct pki_parse_opts *opts,
		    struct pki_config **out, struct pki_error *err) PKI_MUST_CHECK;
/* The configuration used with no -config: cfssl's built-in default. */
int		 pki_config_new_default(struct pki_config **out,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_config_free(struct pki_config *cfg);

/*
 * Finds a profile: NULL or "" gives "default".  An unknown name is
 * PKI_ERR_PROFILE with the list of known names.  The result is borrowed
 * from cfg.
 */
int		 pki_config_profile(const struct pki_config *cfg,
		    const char *name, const struct pki_profile **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/* Returns 1 if the profile signs through a remote server. */
int		 pki_profile_is_remote(const struct pki_profile *p);

/*
 * Builds cfssl's -initca CA policy from the CSR's "ca" section: usages
 * cert sign + crl sign, expiry (default 43800h), backdate, pathlen,
 * crl_url.  expiry_override >= 0 replaces the expiry (used by -renewca).
 */
int		 pki_profile_new_ca(const struct pki_csr *csr,
		    int64_t expiry_override, struct pki_profile **out,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_profile_free(struct pki_profile *p);

/* ---- keys ----------------------------------------------------------- */

struct pki_key;

#define PKI_KEY_FMT_CFSSL	0	/* PKCS#1 / SEC1 / PKCS#8 for Ed25519 */
#define PKI_KEY_FMT_PKCS8	1	/* PKCS#8 PRIVATE KEY for every type */

/*
 * A generator of keys of one type and size (the CSR JSON's key), for
 * making many: OpenSSL sets up the curve or the parameters once instead
 * of once per key.  One generator must not be used by two threads at
 * once.  pki_keygen_new checks the key spec as pki_key_generate does
 * (PKI_ERR_KEY, err naming csr's source and key.algo/key.size); the
 * generator keeps no pointer to csr.
 */
struct pki_keygen;
int		 pki_keygen_new(const struct pki_csr *csr,
		    struct pki_keygen **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/* 1 if kg makes the keys csr asks for, 0 if not (or kg is NULL). */
int		 pki_keygen_matches(const struct pki_keygen *kg,
		    const struct pki_csr *csr);
/* Generates one key into *out (the caller's, pki_key_free). */
int		 pki_keygen_run(struct pki_keygen *kg, struct pki_key **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Frees kg; accepts NULL. */
void		 pki_keygen_free(struct pki_keygen *kg);

/* Generates the key the CSR JSON asks for. */
int		 pki_key_generate(const struct pki_csr *csr,
		    struct pki_key **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Loads a private key from PEM (PKCS#1, SEC1 with or without EC
 * PARAMETERS, PKCS#8, encrypted PKCS#8, legacy encrypted PEM, cfssl's
 * "Ed25519 PRIVATE KEY").  password may be NULL.
 */
int		 pki_key_load(const char *buf, size_t len, const char *source,
		    const char *password, struct pki_key **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/* PEM-encodes a private key; free *pem with pki_secret_free. */
int		 pki_key_encode(const struct pki_key *key, int fmt, char **pem,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The same encrypted with pw (pwlen bytes; NULL: not encrypted): PKCS#8
 * PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for PKI_KEY_FMT_PKCS8 and
 * Ed25519; for RSA and ECDSA in PKI_KEY_FMT_CFSSL the legacy PEM
 * encryption (AES-256-CBC, OpenSSL's one-round MD5 key derivation), the
 * only one cfssl reads with CFSSL_CA_PK_PASSWORD.
 */
int		 pki_key_encode_encrypted(const struct pki_key *key, int fmt,
		    const char *pw, size_t pwlen, char **pem, size_t *len,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The format a loaded key was in: PKI_KEY_FMT_PKCS8 for an RSA or ECDSA
 * key in a "PRIVATE KEY" or "ENCRYPTED PRIVATE KEY" block, else
 * PKI_KEY_FMT_CFSSL (also every generated key).
 */
int		 pki_key_format(const struct pki_key *key);
/* 1 if the key was loaded from an encrypted PEM. */
int		 pki_key_encrypted(const struct pki_key *key);
/* "rsa-2048", "ecdsa-256", "ed25519". */
void		 pki_key_desc(const struct pki_key *key, char *buf, size_t len);
void		 pki_key_free(struct pki_key *key);

/* ---- certificate requests (PKCS#10) --------------------------------- */

struct pki_req;

/* Builds and signs a PKCS#10 request as cfssl's csr.Generate does. */
int		 pki_req_new(const struct pki_csr *csr, const struct pki_key *key,
		    struct pki_req **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Loads the first CERTIFICATE REQUEST (or NEW CERTIFICATE REQUEST) PEM
 * block and verifies its signature.
 */
int		 pki_req_load(const char *buf, size_t len, const char *source,
		    struct pki_req **out, struct pki_error *err) PKI_MUST_CHECK;
int		 pki_req_encode(const struct pki_req *req, char **pem,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
/* JSON description of a request (certinfo -csr); *json is malloc'ed. */
int		 pki_req_info_json(const struct pki_req *req, char **json,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Checks a request from outside before it is signed (etcd-pki(1)
 * COMPATIBILITY): its public key must be RSA of 2048 to 8192 bits, EC on
 * P-256, P-384 or P-521 named as such (no explicit parameters), or
 * Ed25519, else PKI_ERR_KEY ("req.csr: the request's public key:
 * problem").  With sans, its subjectAltName is held to the caps of a CSR
 * JSON's hosts (number, DNS name and label, e-mail and URI lengths):
 * warnings through opts (may be NULL), PKI_ERR_INPUT with opts->strict.
 * pki_cert_sign() and pki_cert_selfsign() check the key of a request
 * pki_req_load() loaded, and the SANs they take from it (the key of one
 * pki_req_new() made was checked when it was made or loaded, all but the
 * RSA size bounds: existing keys are renewed as they are); this is for a
 * request signed elsewhere (sign -remote).
 */
int		 pki_req_check(const struct pki_req *req, int sans,
		    const struct pki_parse_opts *opts, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_req_free(struct pki_req *req);

/* ---- certificates --------------------------------------------------- */

struct pki_cert;

/* Loads the first CERTIFICATE PEM block. */
int		 pki_cert_load(const char *buf, size_t len, const char *source,
		    struct pki_cert **out, struct pki_error *err) PKI_MUST_CHECK;
int		 pki_cert_encode(const struct pki_cert *cert, char **pem,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
/* Serial number in decimal; *dec is malloc'ed. */
int		 pki_cert_serial(const struct pki_cert *cert, char **dec,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Returns 1 if the key's public half matches the certificate's. */
int		 pki_cert_matches_key(const struct pki_cert *cert,
		    const struct pki_key *key);
/* Returns 1 for a certificate with basicConstraints cA TRUE. */
int		 pki_cert_is_ca(const struct pki_cert *cert);
/* Returns 1 if the certificate has a subjectAltName extension. */
int		 pki_cert_has_san(const struct pki_cert *cert);
/* cfssl certinfo JSON for a certificate; *json is malloc'ed. */
int		 pki_cert_info_json(const struct pki_cert *cert, char **json,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The CSR JSON cfssl rebuilds from a certificate (CN, names, hosts,
 * serialnumber, key type; for a CA also the "ca" section with ca.expiry =
 * the original validity length, which *validity_ns receives too).  With
 * ca_only, a certificate that is not a CA is an error (-renewca).
 */
int		 pki_cert_to_csr(const struct pki_cert *cert, int ca_only,
		    struct pki_csr **out, int64_t *validity_ns,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_cert_free(struct pki_cert *cert);

/* ---- signing -------------------------------------------------------- */

/*
 * What to sign.  hosts_set says whether hosts overrides the request's
 * SANs (cfssl -hostname; nhosts may then be 0).  subject, if not NULL,
 * overrides subject fields (the sign SUBJECT file).  crl_override
 * replaces the profile's crl_url when not NULL or "".  now is the signing
 * time in seconds and nanoseconds (tests pin it; 0/0 means "now").
 */
struct pki_sign_request {
	const struct pki_req		*req;
	const struct pki_profile	*profile;
	const char *const		*hosts;
	size_t				 nhosts;
	int				 hosts_set;
	const struct pki_csr		*subject;
	const char			*crl_override;
	time_t				 now_sec;
	long				 now_nsec;
	const struct pki_parse_opts	*opts;	/* policy; NULL: see above */
};

/*
 * Signs as cfssl's local signer.  ca is the issuer certificate, or NULL
 * for a self-signed CA (-initca), in which case cakey must be the
 * request's own key.
 */
int		 pki_cert_sign(const struct pki_sign_request *sr,
		    const struct pki_cert *ca, const struct pki_key *cakey,
		    struct pki_cert **out, struct pki_error *err) PKI_MUST_CHECK;

/* cfssl selfsign: the construction of selfsign/selfsign.go. */
int		 pki_cert_selfsign(const struct pki_sign_request *sr,
		    const struct pki_key *key, struct pki_cert **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- bundles (cfssl bundle; bundle.c) ------------------------------- */

#define PKI_BUNDLE_UBIQUITOUS	0	/* cfssl's default */
#define PKI_BUNDLE_OPTIMAL	1
#define PKI_BUNDLE_FORCE	2
#define PKI_BUNDLE_OTHER	3	/* another name: ubiquitous (cfssl) */

/* What pki_bundle_new() reads; buffers are borrowed. */
struct pki_bundle_input {
	const char	*certs;		/* PEM; else DER, PKCS #7, PKCS #12 */
	size_t		 certs_len;
	const char	*certs_source;
	const char	*password;	/* of PKCS #12 input */
	const char	*key;		/* PEM private key, or NULL */
	size_t		 key_len;
	const char	*key_source;
	const char	*roots;		/* PEM roots (required) */
	size_t		 roots_len;
	const char	*roots_source;
	const char	*ints;		/* PEM intermediates, or NULL */
	size_t		 ints_len;
	const char	*ints_source;
	int		 flavor;	/* PKI_BUNDLE_* */
	time_t		 now;		/* 0: the current time */
};

struct pki_bundle;

/*
 * Reads the certificate (leaf first, any intermediates after it), the
 * key, the roots and the intermediates.  Errors name the file.
 */
int		 pki_bundle_new(const struct pki_bundle_input *in,
		    struct pki_bundle **out, struct pki_error *err)
		    PKI_MUST_CHECK;
/* The files of cfssl bundle's flags (paths, env:VAR, file:PATH, "-"). */
struct pki_bundle_files {
	const char	*cert;		/* -cert ("-": standard input) */
	const char	*key;		/* -key, or NULL */
	const char	*roots;		/* -ca-bundle; NULL: the system's */
	const char	*ints;		/* -int-bundle, or NULL */
	const char	*flavor;	/* -flavor; NULL: ubiquitous */
	const char	*password;	/* -password; NULL: cfssl's "0" */
};

/*
 * The flavor cfssl's -flavor name picks (NULL: ubiquitous; an unknown
 * name: PKI_BUNDLE_OTHER, which cfssl bundles as ubiquitous).
 */
int		 pki_bundle_flavor(const char *name);
/*
 * Reads f's files (each size-capped; the roots, without f->roots, from
 * OpenSSL's default certificate file or $SSL_CERT_FILE, as Go finds the
 * system's) and makes the bundle of them as pki_bundle_new() does.
 */
int		 pki_bundle_open(const struct pki_bundle_files *f,
		    struct pki_bundle **out, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The subject of the first certificate read, as Go's pkix.Name.String()
 * writes it ("CN=x,O=y"), for cfssl's "bundling certificate for" line.
 * Borrowed from b.
 */
const char	*pki_bundle_subject(const struct pki_bundle *b);
/*
 * Builds the bundle as cfssl's bundler does: the chains from the leaf to
 * a root (valid now, server auth allowed), the flavor's pick, the status
 * and cfssl's JSON.  PKI_ERR_SIGNATURE when no chain verifies (unknown
 * authority, expired, extended key usage), PKI_ERR_INPUT for a
 * self-signed leaf, PKI_ERR_MISMATCH for a key of another certificate.
 */
int		 pki_bundle_build(struct pki_bundle *b, struct pki_error *err)
		    PKI_MUST_CHECK;
/* The JSON object (json.Marshal, no newline); borrowed from b. */
const char	*pki_bundle_json(const struct pki_bundle *b, size_t *len);
/* The anchoring root's subject as pkix.Name.String(), NULL with force. */
const char	*pki_bundle_root(const struct pki_bundle *b);
void		 pki_bundle_free(struct pki_bundle *b);

/* ---- the strictness policy of signing (policy.c) -------------------- */

/*
 * The policy on a certificate that profile p and issuer ca (NULL:
 * self-signed) would make at now (0: the current time), valid from
 * not_before to not_after:
 *  - ca must be able to issue certificates that verify: valid at now and
 *    a CA (basicConstraints CA:TRUE, or none on a self-signed v1 root;
 *    keyCertSign if it has a keyUsage).  Otherwise PKI_ERR_POLICY ("ca.pem:
 *    the CA certificate expired on ...: what it signs does not verify
 *    ..."), or, with po->allow_invalid_issuer, a warning.
 *  - warnings (errors with po->strict), naming the file and JSON path of
 *    the profile: an expiry under 10 times the backdate (which signing
 *    cuts to a tenth of the expiry), a certificate expired or not yet
 *    valid when issued (fixed dates), one that outlives ca.
 * pki_cert_sign() calls it with its sign request's opts (the general
 * path of pki_leaf_issue() and pki_ca_issue() too), the direct path of
 * pki_leaf_issue() with the request's policy; a caller that signs by
 * other means calls it first.
 */
int		 pki_policy_issue(const struct pki_parse_opts *po,
		    const struct pki_profile *p, const struct pki_cert *ca,
		    time_t now, time_t not_before, time_t not_after,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- JSON strings as Go writes them (pki/gojson.c) ------------------ */

/*
 * The one Go-JSON string escaper: s (len bytes, any bytes) as a JSON
 * string with its quotes, byte for byte as Go's encoding/json writes it
 * (\" \\ \n \r \t; other control characters, <, > and & as \u00xx;
 * U+2028 and U+2029 escaped; each byte of invalid UTF-8 as \ufffd).
 * *out is NUL-terminated (*outlen, may be NULL, excludes the NUL); free
 * it with free(), or with pki_secret_free(*out, *outlen) when s is a
 * secret (it is written in one allocation, never copied).
 */
int		 pki_json_quote(const char *s, size_t len, char **out,
		    size_t *outlen, struct pki_error *err) PKI_MUST_CHECK;

/* ---- issuing a leaf or a CA (pki/issue.c) --------------------------- */

/*
 * The one way to issue a certificate with its key and request: every
 * command and pki_cluster_issue() go through pki_leaf_issue() or
 * pki_ca_issue(), never through pki_req_new + pki_cert_sign by hand.
 * A leaf takes the direct DER path (fastleaf.c) when its CSR JSON and
 * profile allow it and the general path (pki_req_new, pki_cert_sign, the
 * PEM encoders) otherwise; both give the same certificate.
 *
 * To adopt it where a leaf is made by hand today:
 *	memset(&lr, 0, sizeof(lr));
 *	lr.csr = csr; lr.profile = prof; lr.ca = ca; lr.cakey = cakey;
 *	lr.key = key;			(NULL: a new key as csr asks)
 *	lr.now = now;			(0: the current time)
 *	lr.objects = 1;			(also want the pki_cert / pki_key)
 *	r = pki_leaf_issue(&lr, &out, &err);
 *	... out.cert, out.req, out.x509, out.serial ...
 *	pki_issued_clear(&out);
 */

/* What pki_leaf_issue() and pki_ca_issue() give back. */
struct pki_issued {
	char		*cert;		/* certificate PEM */
	size_t		 certlen;
	char		*key;		/* the key's PEM (given or new) in the
					   requested format; secret */
	size_t		 keylen;
	char		*req;		/* PKCS#10 request PEM */
	size_t		 reqlen;
	char		 serial[64];	/* decimal */
	time_t		 not_after;	/* the certificate's notAfter */
	struct pki_cert	*x509;		/* with objects: the certificate */
	struct pki_key	*newkey;	/* with objects and no given key: the
					   new key */
};

/* Frees everything in out (wiping the key PEM) and zeroes it. */
void		 pki_issued_clear(struct pki_issued *out);

/*
 * A leaf: csr issued under profile by ca/cakey.  hosts/nhosts/hosts_set
 * are the sign request's host override (cfssl -hostname; the caller has
 * usually put the same list into csr with pki_csr_set_hosts), and
 * crl_override replaces the profile's crl_url (-crl).  expiry (> 0, ns)
 * and not_before (with has_not_before) replace the validity the profile
 * gives (cluster issue -expiry/-not-before): only profiles of the direct
 * path take them, others fail with PKI_ERR_UNSUPPORTED.
 */
struct pki_leaf_request {
	const struct pki_csr		*csr;
	const struct pki_profile	*profile;
	const struct pki_cert		*ca;
	const struct pki_key		*cakey;
	const struct pki_key		*key;	/* the leaf's, or NULL: new */
	const char *const		*hosts;
	size_t				 nhosts;
	int				 hosts_set;
	const char			*crl_override;
	int				 key_format;	/* PKI_KEY_FMT_* */
	time_t				 now;		/* 0: the current time */
	int64_t				 expiry;
	int				 has_not_before;
	time_t				 not_before;
	int				 objects;	/* also x509, newkey */
	/* The strictness policy (pki_policy_issue()); NULL: the defaults. */
	const struct pki_parse_opts	*policy;
};

/*
 * Issues the leaf lr asks for into out (cleared first; on failure it is
 * left cleared).  Borrowed: everything in lr.
 */
int		 pki_leaf_issue(const struct pki_leaf_request *lr,
		    struct pki_issued *out, struct pki_error *err) PKI_MUST_CHECK;

/*
 * A self-signed CA as cfssl gencert -initca makes it: csr's subject,
 * hosts (IP addresses only) and "ca" section (expiry, pathlen, backdate,
 * crl_url), signed by key (NULL: a new key as csr asks) at now.  subject,
 * when not NULL, replaces subject fields as sign's SUBJECT file does (a
 * CA rotation keeps the current CA's subject); expiry > 0 (ns) replaces
 * ca.expiry (-renewca, ca renew -expiry).
 */
struct pki_ca_request {
	const struct pki_csr	*csr;
	const struct pki_key	*key;
	const struct pki_csr	*subject;
	int64_t			 expiry;
	int			 key_format;	/* PKI_KEY_FMT_* */
	const char		*key_password;	/* the key PEM encrypted
						   with it (see
						   pki_key_encode_encrypted),
						   or NULL */
	size_t			 key_passwordlen;
	time_t			 now;		/* 0: the current time */
	int			 objects;	/* also x509, newkey */
	/* The strictness policy (pki_policy_issue()); may be NULL. */
	const struct pki_parse_opts *policy;
	/*
	 * What the policy's messages call expiry when it is set: a flag or
	 * a file ("ca.pem: validity"); NULL: "-expiry".
	 */
	const char		*expiry_what;
};

/* Issues the CA cr asks for into out, as pki_leaf_issue() does. */
int		 pki_ca_issue(const struct pki_ca_request *cr,
		    struct pki_issued *out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- files ---------------------------------------------------------- */

/*
 * One file of a set written by pki_file_write_set(): path, contents and
 * final mode (0600 for private keys; others get mode & ~umask).
 */
/*
 * Who a new private key belongs to and its mode, as set explicitly:
 * -owner USER[:GROUP], -mode, the cluster description's owner, group and
 * key_mode.  Zeroed: nothing set.
 */
struct pki_owner {
	int	has_user;
	int	has_group;
	uid_t	uid;
	gid_t	gid;
	mode_t	key_mode;	/* 0: not set */
};

struct pki_file {
	const char	*path;
	const void	*data;
	size_t		 len;	/* or PKI_FILE_PREPARED */
	mode_t		 mode;
};

/*
 * len of a prepared file: data is then not the contents but the name, in
 * path's directory, of a complete file the caller made there (O_EXCL,
 * private) to be put in place as path's temporary file.  The set gives
 * it mode, makes it durable with the others and renames it; on failure
 * it removes it only once it took it over, so the caller removes that
 * name if it is still there.  Regular files only.
 */
#define PKI_FILE_PREPARED	SIZE_MAX

/*
 * Writes every file atomically: each goes to a new temporary file in its
 * target directory (created O_EXCL|O_NOFOLLOW with its final mode),
 * written fully and closed; only when all are complete and durable (one
 * syncfs per file system for several files, an fsync for one) are they
 * renamed over their targets, and the directories fsync'ed.  If a rename
 * fails, the targets already replaced are restored.  On any error no
 * temporary file is left and existing targets are untouched.
 */
int		 pki_file_write_set(const struct pki_file *files, size_t n,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Checks that nothing, not even a dangling link, is at path (a file not to
 * be overwritten): 0, PKI_ERR_IO "file exists", or the lstat error.
 */
int		 pki_file_absent(const char *path, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The same, with hook called as the last step, once every file is in
 * place and its directory synced (with no files: at once): when it
 * fails (returning an error code, err filled), the files are put back as
 * they were and its error is returned.  It commits what must change
 * together with the files (an inventory transaction).
 */
int		 pki_file_write_set_hook(const struct pki_file *files,
		    size_t n, int (*hook)(void *arg, struct pki_error *err),
		    void *arg, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The same, where owners[i] (owners may be NULL, and so may each entry)
 * gives files[i] to that owner before any group or other bit is set, and
 * makes its mode exact whatever the umask; without one a file is the
 * caller's and a mode with group or other bits is narrowed by the umask.
 */
int		 pki_file_write_set_owned(const struct pki_file *files,
		    const struct pki_owner *const *owners, size_t n,
		    int (*hook)(void *arg, struct pki_error *err), void *arg,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- cfssljson input ------------------------------------------------- */

struct pki_cfssljson;

/* The files cfssljson writes, in its order. */
#define PKI_CJ_CERT	0	/* BASE.pem            "cert" | "certificate" */
#define PKI_CJ_KEY	1	/* BASE-key.pem        "key" | "private_key" */
#define PKI_CJ_ENC_KEY	2	/* BASE-key.enc        "encrypted_key" */
#define PKI_CJ_CSR	3	/* BASE.csr            "csr" | "certificate_request" */
#define PKI_CJ_BUNDLE	4	/* BASE-bundle.pem     "bundle" */
#define PKI_CJ_ROOT	5	/* BASE-root.pem       "bundle.root" */
#define PKI_CJ_OCSP	6	/* BASE-response.der   "ocspResponse" (base64) */
#define PKI_CJ__COUNT	7

/*
 * Parses cfssl output.  bare: the object itself holds the items; else it
 * is the API envelope {"success","result","errors","messages"}.  A
 * failed envelope is not an error: see pki_cfssljson_failed().
 */
int		 pki_cfssljson_parse(const char *buf, size_t len, int bare,
		    struct pki_cfssljson **out, struct pki_error *err) PKI_MUST_CHECK;
/* Returns item i's bytes (NULL if absent or empty) and its length. */
const char	*pki_cfssljson_item(const struct pki_cfssljson *cj, int i,
		    size_t *len);
/* The file name suffix and mode of item i. */
const char	*pki_cfssljson_suffix(int i);
mode_t		 pki_cfssljson_mode(int i);
/*
 * Writes the items present (data[i] not NULL, len[i] > 0, i a PKI_CJ_*)
 * as cfssljson names them, BASE + suffix with the item's mode (keys
 * 0600), atomically as one set (pki_file_write_set).
 */
int		 pki_cfssljson_write(const char *base,
		    const char *const data[PKI_CJ__COUNT],
		    const size_t len[PKI_CJ__COUNT], struct pki_error *err)
		    PKI_MUST_CHECK;
/* Number of error messages of a failed envelope (0 if it succeeded). */
int		 pki_cfssljson_failed(const struct pki_cfssljson *cj);
const char	*pki_cfssljson_error(const struct pki_cfssljson *cj, int i);
void		 pki_cfssljson_free(struct pki_cfssljson *cj);

/* ---- https URLs, parsed once (pki/url.c) ---------------------------- */

/* An https URL's parts. */
struct pki_url {
	char	scheme[8];	/* "https" */
	char	host[256];	/* a name or an address; IPv6 without [] */
	char	port[8];	/* decimal; "443" when absent (PKI_URL_LAX) */
	int	port_num;	/* 1..65535 */
	int	ipv6;		/* the host was written in brackets */
};

#define PKI_URL_LAX	0x1	/* the port may be left out (443), and a
				   path, query or fragment may follow */

/*
 * Parses url into *out.  Without PKI_URL_LAX it must be what etcd takes
 * and the cluster description allows: exactly "https://HOST:PORT", no
 * user information, an IPv6 address in brackets and only it, a port
 * 1..65535, no spaces or control characters.  On failure err->text is
 * the problem alone ("needs a port (https://HOST:PORT)"): the caller
 * names the URL.
 */
int		 pki_url_parse(const char *url, int flags, struct pki_url *out,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- clusters (etcd-pki-cluster(5)) ---------------------------------- */

struct pki_cluster;

/*
 * Parses a cluster description (JSON, etcd-pki-cluster(5)); source names
 * it in messages and its directory anchors the relative paths inside it
 * (signing.config, ca.cert_file, ca.key_file).  Defaults are applied and
 * every leaf certificate's CSR JSON is derived (see pki/cluster.h).
 */
int		 pki_cluster_parse(const char *buf, size_t len,
		    const char *source, const struct pki_parse_opts *opts,
		    struct pki_cluster **out, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_cluster_free(struct pki_cluster *cl);

/* One leaf certificate of a cluster: a member's or a client's. */
struct pki_cluster_leaf_info {
	const char		 *name;		/* file base name: NAME.pem */
	const char		 *dir;		/* under DIR: "etcd1", "clients/admin" */
	int			  member;	/* 1 for a member, 0 for a client */
	const struct pki_csr	 *csr;		/* what it is issued from */
	const struct pki_profile *profile;	/* how it is signed */
	int			  key_format;	/* PKI_KEY_FMT_* of its key */
	const struct pki_owner	 *owner;	/* its key's owner and mode as
						   described (borrowed) */
	/* A member's advertised URLs ("https://host:port"); clients: 0. */
	const char *const	 *client_urls;
	size_t			  nclient_urls;
	const char *const	 *peer_urls;
	size_t			  npeer_urls;
	/* The same URLs parsed (pki_url_parse), nclient_urls/npeer_urls. */
	const struct pki_url	 *client_url_parts;
	const struct pki_url	 *peer_url_parts;
};

/* The number of leaves (members first, then clients). */
size_t		 pki_cluster_nleaves(const struct pki_cluster *cl);
/* Leaf i (< pki_cluster_nleaves); the pointers are borrowed from cl. */
void		 pki_cluster_leaf(const struct pki_cluster *cl, size_t i,
		    struct pki_cluster_leaf_info *out);
/*
 * The CA key and certificate files: the description's ca.key_file and
 * ca.cert_file when it names an existing CA, else NULL (the CA is then
 * DIR/ca-key.pem and DIR/ca.pem of the output directory).
 */
const char	*pki_cluster_ca_key_file(const struct pki_cluster *cl);
const char	*pki_cluster_ca_cert_file(const struct pki_cluster *cl);
/* The lifetime of the cluster's CRL (signing.crl_expiry), in ns. */
int64_t		 pki_cluster_crl_expiry(const struct pki_cluster *cl);

/*
 * What "cluster init" starts from.  Every member may be NULL/0; with all
 * of them unset the result is the etcd guide's three-node example.
 * initial_cluster is etcd's "name=peerURL,..." string; ips and dns are
 * "member=value,..." lists adding IPs and DNS names to members; yaml
 * lists etcd.conf.yml files (one per member) to derive the description
 * from; members > 0 asks for synthetic members m1..mN on 127.0.x.y
 * (CI fixtures); key_algo is "ecdsa-256", "rsa-2048", "ed25519", ...
 */
struct pki_cluster_init {
	const char		*name;
	const char		*token;
	const char		*initial_cluster;
	const char		*ips;
	const char		*dns;
	const char *const	*yaml;
	size_t			 nyaml;
	long			 members;
	const char		*key_algo;
	/* The policy checking the result (warnings, -strict); may be NULL. */
	const struct pki_parse_opts *opts;
};

/*
 * Builds a cluster description from in, checks it by parsing it, and
 * returns it as pretty-printed JSON text ending in a newline (*json is
 * malloc'ed).
 */
int		 pki_cluster_init_json(const struct pki_cluster_init *in,
		    char **json, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The same, also (or only) handing over the parsed description: json
 * and out may each be NULL.
 */
int		 pki_cluster_init(const struct pki_cluster_init *in,
		    char **json, struct pki_cluster **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/* What "cluster issue" did to one leaf or file, for the caller's report. */
#define PKI_ISSUE_KEPT		0	/* present and matching: untouched */
#define PKI_ISSUE_NEW		1	/* was missing: written */
#define PKI_ISSUE_REISSUED	2	/* no longer matched: replaced */
#define PKI_ISSUE_UPDATED	3	/* a non-certificate file rewritten */
#define PKI_ISSUE_CRL		4	/* the CRL signed, or its copies
					   rewritten (reason says which;
					   not_after: its nextUpdate) */
#define PKI_ISSUE_RECORDED	5	/* certificates recorded in the
					   inventory (reason: how many) */

struct pki_issue_event {
	int		 what;		/* PKI_ISSUE_* */
	const char	*path;		/* relative to the output directory */
	const char	*reason;	/* why it was (re)written, or "" */
	const char	*subject;	/* certificates: the CN, else NULL */
	const char	*sans;		/* certificates: SANs, ", "-joined */
	time_t		 not_after;	/* certificates, else 0 */
};

struct pki_issue_opts {
	int		 jobs;		/* worker threads; <= 0: all cores */
	int		 no_sync;	/* skip fsync (fixtures): still atomic */
	int64_t		 expiry;	/* > 0: leaf validity, replacing the
					   profile's (ns) */
	int		 has_not_before;
	time_t		 not_before;	/* leaf notBefore, replacing now */
	time_t		 now;		/* 0: the current time */
	const char	*ca_key_password;	/* of an encrypted CA key; a
						   new CA key is written
						   encrypted with it */
	size_t		 ca_key_passwordlen;
	int		 ca_key_format;	/* a new CA key's PKI_KEY_FMT_* */
	void		(*event)(void *arg, const struct pki_issue_event *ev);
	void		*event_arg;
	/*
	 * As each leaf to issue is written to its temporary directory:
	 * done of total (the leaves not kept), with event_arg.  Called from
	 * the worker threads, one call at a time; may be NULL.
	 */
	void		(*progress)(void *arg, size_t done, size_t total);
	/* The policy on an existing CA and slow-path leaves; may be NULL. */
	const struct pki_parse_opts *policy;
	struct pki_owner owner;		/* -owner, -mode: every leaf key's,
					   before the description's */
};

/*
 * Issues the cluster's PKI under dir (created if missing): the CA when
 * absent (an existing CA key is never overwritten), then every member's
 * and client's set, only where missing or no longer matching the
 * description.  Each file set is written atomically.  Reports every file
 * through opts->event.
 */
/*
 * cluster issue's arguments: -members N (members) without a description,
 * or one description (nargs) without -key-algo.  0 or PKI_ERR_ARG.
 */
int		 pki_cluster_issue_args(int members, int key_algo, int nargs,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_cluster_issue(const struct pki_cluster *cl, const char *dir,
		    const struct pki_issue_opts *opts,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * Checks everything under dir against the description and the CA; calls
 * problem() once per defect found (text: "path: problem").  A certificate
 * that horizon (pki_due_eval; NULL: renew's default rule, its renewal
 * point) finds due at now is a defect: the CA is judged by the same rule
 * without the stagger.  *nproblems receives the count.  Returns 0 when
 * the check ran (whatever it found).
 */
struct pki_due_rule;
int		 pki_cluster_verify(const struct pki_cluster *cl, const char *dir,
		    const struct pki_due_rule *horizon, time_t now,
		    void (*problem)(void *arg, const char *text), void *arg,
		    size_t *nproblems, struct pki_error *err) PKI_MUST_CHECK;

/* ---- certificate facts and renewal timing (status, renew) ------------ */

/* What status, check, needs-renewal and renew read from a certificate. */
struct pki_cert_facts {
	char		  serial[64];	/* decimal, as cfssl prints it */
	char		  serial_hex[48];	/* lower-case hex, no "0x" */
	int64_t		  not_before;	/* Unix seconds */
	int64_t		  not_after;
	char		 *subject;	/* one line: "CN=etcd1,O=Example" */
	char		 *subject_cn;	/* "" when there is none */
	char		 *issuer;	/* one line, as subject */
	char		 *issuer_cn;
	char		**sans;		/* "DNS:x", "IP:10.0.0.1", "email:x",
					   "URI:x", in certificate order */
	size_t		  nsans;
	char		**ekus;		/* cfssl usage names ("server auth"),
					   else the dotted OID */
	size_t		  nekus;
	int		  is_ca;
	unsigned char	  spki_sha256[32];	/* SHA-256 of the SPKI DER */
};

int		 pki_cert_facts(const struct pki_cert *cert,
		    struct pki_cert_facts *f, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_cert_facts_clear(struct pki_cert_facts *f);

/*
 * How a certificate differs from what its CSR JSON asks for: SANs to add
 * (in the CSR JSON only) and to remove (in the certificate only), in the
 * facts' "DNS:x" form, and whether the subject differs (want_subject is
 * then the CSR JSON's subject in the facts' one-line form).
 */
struct pki_drift {
	char		**add;
	size_t		  nadd;
	char		**remove;
	size_t		  nremove;
	int		  subject;
	char		 *want_subject;
};

int		 pki_cert_drift(const struct pki_cert *cert,
		    const struct pki_csr *csr, struct pki_drift *d,
		    struct pki_error *err) PKI_MUST_CHECK;
/* 1 if d records any difference. */
int		 pki_drift_any(const struct pki_drift *d);
void		 pki_drift_clear(struct pki_drift *d);

/*
 * Verifies cert against the trust anchors in bundle (PEM, one or more
 * CERTIFICATE blocks) at time now: signature chain, validity of every
 * certificate in the chain.  source names the bundle in messages.
 * PKI_ERR_SIGNATURE (with OpenSSL's reason) when it does not verify.
 */
int		 pki_cert_verify_bundle(const struct pki_cert *cert,
		    const char *bundle, size_t len, const char *source,
		    time_t now, struct pki_error *err) PKI_MUST_CHECK;

/*
 * When to renew: when fraction of the lifetime is left (or, with before
 * > 0, before seconds), earlier by offset(name) * stagger * lifetime,
 * where offset(name) is a fixed value in [0, 1) derived from the name so
 * that members issued together renew at different times.
 */
struct pki_renew_policy {
	double		 fraction;
	int64_t		 before;
	double		 stagger;
};
#define PKI_RENEW_FRACTION	(1.0 / 3)
#define PKI_RENEW_STAGGER	0.05

/* Default policy: PKI_RENEW_FRACTION, PKI_RENEW_STAGGER. */
void		 pki_renew_policy_default(struct pki_renew_policy *p);
/*
 * A share of a lifetime or a time: "N%" (N plain decimal digits with at
 * most one '.') or a Go duration (pki_duration_parse).
 */
struct pki_share {
	int	 is_pct;
	double	 pct;		/* N of "N%" */
	int64_t	 ns;		/* the duration */
};
/*
 * Parses s into *out; with pct_only a duration is refused.  err->text is
 * the problem alone ("not a percentage (N%) or a duration (720h)"); the
 * caller adds the flag and the value.  Ranges are the caller's.
 */
int		 pki_share_parse(const char *s, int pct_only,
		    struct pki_share *out, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * Parses "N%" (0 < N < 100, decimals allowed: a share of the lifetime
 * left) or a Go duration (>= 1s) into p->fraction / p->before; what
 * names the flag in messages ("-renew-before").
 */
int		 pki_renew_before_parse(const char *s, const char *what,
		    struct pki_renew_policy *p, struct pki_error *err)
		    PKI_MUST_CHECK;
/* Parses "N%" (0 <= N < 100) into p->stagger. */
int		 pki_renew_stagger_parse(const char *s, const char *what,
		    struct pki_renew_policy *p, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The name's offset in [0, 1): the 64-bit FNV-1a hash of name, mixed by
 * MurmurHash3's 64-bit finaliser (so that etcd1, etcd2, ... spread out),
 * scaled.
 */
double		 pki_renew_offset(const char *name);
/*
 * The renewal time of a certificate valid from not_before to not_after.
 * PKI_ERR_ARG when p->before is not shorter than the lifetime, or the
 * lifetime is not positive.
 */
int		 pki_renew_at(int64_t not_before, int64_t not_after,
		    const char *name, const struct pki_renew_policy *p,
		    int64_t *at, struct pki_error *err) PKI_MUST_CHECK;

/*
 * Connects to host:port over TCP (at most timeout_ms for connect and
 * handshake together), does a TLS handshake without verifying anything
 * and returns the server's certificate.  servername is sent as SNI (NULL:
 * host, unless host is an IP address).  A handshake that fails after the
 * server's certificate arrived (it wanted a client certificate) still
 * returns it.
 */
int		 pki_tls_peer_cert(const char *host, const char *port,
		    const char *servername, int timeout_ms,
		    struct pki_cert **out, struct pki_error *err) PKI_MUST_CHECK;

/* ---- certificate sets, generations and rollback (renew) -------------- */

/*
 * A set is what "cfssljson -bare NAME" writes into a directory DIR:
 * NAME.pem, NAME-key.pem, NAME.csr, and DIR's trust bundle ca.pem when
 * present.  Its layout is either
 *   fixed:        the files themselves, replaced in place by rename, the
 *                 previous ones kept as FILE.bak;
 *   generations:  DIR/gen/<YYYYMMDDTHHMMSS.uuuuuuZ>-<serial hex>/ each holding a
 *                 complete set (and meta.json), DIR/current a symbolic
 *                 link "gen/<name>", and DIR/NAME.pem etc. symbolic links
 *                 "current/NAME.pem", so paths configured before the
 *                 conversion keep working.  Switching "current" (a new
 *                 link renamed over it) switches every file at once.
 * The caller holds pki_dir_lock(DIR) for everything below.
 */
#define PKI_LAYOUT_FIXED	0
#define PKI_LAYOUT_GENERATIONS	1

#define PKI_SET_CERT	0	/* NAME.pem */
#define PKI_SET_KEY	1	/* NAME-key.pem (0600) */
#define PKI_SET_CSR	2	/* NAME.csr */
#define PKI_SET_CA	3	/* ca.pem */
#define PKI_SET__COUNT	4

struct pki_set;

/*
 * Takes DIR's lock (DIR/.etcd-pki.lock, flock, not waiting):
 * PKI_ERR_BUSY when another process holds it.  *fd is closed to release.
 */
int		 pki_dir_lock(const char *dir, int *fd, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * How many runs in a row found DIR's lock held (PKI_ERR_BUSY), since when
 * (*since, seconds since the epoch): *runs is 0 when the last attempt
 * took the lock.  Returns 0, or -1 when the count cannot be read.  A count
 * of PKI_LOCK_BUSY_RUNS or more suggests a run that hangs holding it.
 */
#define PKI_LOCK_BUSY_RUNS	2
int		 pki_dir_lock_busy(const char *dir, unsigned *runs,
		    int64_t *since);
/*
 * The same lock shared: any number of shared holders (renew -member M of
 * one cluster, each writing only its member's directory), none while an
 * exclusive holder (cluster issue) has it.
 */
int		 pki_dir_lock_shared(const char *dir, int *fd,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * Opens the set NAME in dir and detects its layout (generations when
 * DIR/current is a symbolic link into gen/).  Removes what an interrupted
 * run left: gen/.tmp-* directories, current.tmp-* and NAME*.tmp-* links,
 * and the temporary files of pki_file_write_set() for the set's files.
 * A missing NAME.pem is not an error here (pki_set_read reports it).
 * In a directory that holds other sets too (another X.pem with its
 * X-key.pem, the CA's own ca.pem and ca-key.pem among them, or
 * generations DIR/current without NAME.pem), the set's generations are
 * its own: DIR/NAME.gen/current and DIR/NAME.gen/gen/, the links
 * NAME.gen/current/FILE, and ca.pem is not one of its files (read in
 * place, never linked); a directory converted earlier keeps DIR/current.
 */
int		 pki_set_open(const char *dir, const char *name,
		    struct pki_set **out, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_set_free(struct pki_set *s);
int		 pki_set_layout(const struct pki_set *s);
/* "gen/<name>" current generation (generations layout), else NULL. */
const char	*pki_set_current(const struct pki_set *s);
/* What the set's links point through: "current/" or "NAME.gen/current/". */
const char	*pki_set_links_to(const struct pki_set *s);
/*
 * The configured path of file which (PKI_SET_*): DIR/NAME.pem,
 * DIR/NAME-key.pem, DIR/NAME.csr or DIR/ca.pem, the same in both layouts
 * (in the generations layout it is the link to current/FILE, so opening
 * it reaches the active generation).  Borrowed from s, valid until
 * pki_set_free(); NULL for an invalid which.
 */
const char	*pki_set_path(const struct pki_set *s, int which);
/* Reads file which of the active set (through current/); *buf is
 * NUL-terminated, malloc'ed (keys: free with pki_secret_free(buf,
 * len + 1)).  A missing file: PKI_ERR_IO with sys_errno ENOENT. */
int		 pki_set_read(const struct pki_set *s, int which, char **buf,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;

/*
 * Whether a new key may take the owner, group and group-read bit of the
 * key file it replaces: never unless the caller vouches for the old key
 * (and then only when no other user could write that file or a directory
 * from it up to DIR); otherwise it is the caller's, 0600.
 */
/*
 * A generation named from more than this many seconds ahead of the
 * clock is refused as the active one (pki_set_open).
 */
#define PKI_GEN_SKEW		3600
#define PKI_GEN_SKEW_TEXT	"1 hour"

/*
 * Why the generation DIR/current points at (copied into gen, size bytes)
 * would be refused as the active one by pki_set_open, so by every command
 * that writes the set (renew, rollback, ca rotate): made by a user other
 * than root and the caller, writable by group or others, or named from
 * the future.  NULL when it would not (or DIR has no generations, or
 * current is not a link into gen/, which pki_set_open reports itself).
 * Read-only commands report it and go on.
 */
const char	*pki_set_gen_untrusted(const char *dir, char *gen,
		    size_t size);

/* ---- key ownership (owner.c) ---------------------------------------- */

/*
 * Parses "USER[:GROUP]" (names or numbers; USER alone or "USER:" takes
 * the user's login group, ":GROUP" the group only) into o.  An unknown
 * name is refused; pki_owner_check says whether the caller may give.
 */
int		 pki_owner_parse(struct pki_owner *o, const char *spec,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Whether the caller may give a key to what o sets: another user needs
 * root, another group root or membership; what names o in messages.
 */
int		 pki_owner_check(const struct pki_owner *o, const char *what,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The -owner and -mode flags (each may be NULL) into o (zeroed first),
 * parsed and checked; err's text starts with the flag.
 */
int		 pki_owner_flags(struct pki_owner *o, const char *owner,
		    const char *mode, struct pki_error *err) PKI_MUST_CHECK;
/* Parses a group name or number into o (the same rules). */
int		 pki_owner_group_parse(struct pki_owner *o, const char *group,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Parses an octal key mode into o: the owner must be able to read, and
 * only the owner's write and the group's read may be added (0400, 0440,
 * 0600, 0640); anything else would give a dangerous result.
 */
int		 pki_owner_mode_parse(struct pki_owner *o, const char *text,
		    struct pki_error *err) PKI_MUST_CHECK;
/* 1 if o sets anything. */
int		 pki_owner_set(const struct pki_owner *o);
/* Fills what o leaves unset from dflt (may be NULL). */
void		 pki_owner_merge(struct pki_owner *o,
		    const struct pki_owner *dflt);
/*
 * 1 if a user other than root, the caller and uid could write what st
 * describes (a file, or a directory whose entries name a key): owned by
 * another user, or writable by group or others.
 */
struct stat;
int		 pki_owner_others_write(const struct stat *st, uid_t uid);
/*
 * The owner and mode of a new private key, the one decision every writer
 * makes.  What o (may be NULL) sets comes first.  The rest comes from the
 * old key file *like (may be NULL) when why is NULL: the writer found the
 * old key matched its certificate and no user other than root, the caller
 * and its owner could write it or a directory from it up to DIR, so no
 * one could have planted it; its owner, group and group-read bit.
 * Otherwise the caller's, 0600, and note (notelen bytes, may be NULL)
 * says for path why and what to pass ("" when nothing is to say).  Fills
 * *own (st_uid, st_gid) and *mode; returns own.
 */
const struct stat *pki_owner_key(const struct pki_owner *o,
		    const struct stat *like, const char *why, const char *path,
		    struct stat *own, mode_t *mode, char *note, size_t notelen);

#define PKI_KEYOWN_NO	0	/* not vouched for */
#define PKI_KEYOWN_PAIR	1	/* the old key matched its certificate */
#define PKI_KEYOWN_SAME	2	/* the new data is the old file's own
				   (a conversion): owner kept as it is */

/* New contents of a set; NULL data keeps that file as it is. */
struct pki_set_update {
	const char	*data[PKI_SET__COUNT];
	size_t		 len[PKI_SET__COUNT];
	const char	*meta;		/* meta.json text (generations), or NULL */
	size_t		 metalen;
	const char	*serial_hex;	/* of the new certificate */
	time_t		 now;		/* names the generation */
	int		 no_sync;	/* skip fsync: still atomic, not durable */
	int		 key_owner_ok;	/* PKI_KEYOWN_*: whether a new key may
					   take the old key file's owner */
	char		*note;		/* when not NULL, notelen bytes: why a
					   new key did not take the old one's
					   owner and mode ("" when it did) */
	size_t		 notelen;
	const struct pki_owner *owner;	/* explicit owner and key mode of a
					   new key, or NULL */
};

/*
 * Generations layout from fixed: the existing files become the first
 * generation (named from their certificate's notBefore and serial_hex),
 * "current" points at it, then each file is replaced by its link.  Every
 * step leaves DIR usable: an interruption before "current" exists leaves
 * the fixed files untouched.
 */
int		 pki_set_convert(struct pki_set *s, time_t not_before,
		    const char *serial_hex, int no_sync,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Generations layout: builds a complete new generation (files of the
 * current generation hard-linked or copied, those in u replaced, all
 * fsync'ed, under gen/.tmp-* renamed into place), not yet active.  *gen
 * receives "gen/<name>" (malloc'ed).
 */
int		 pki_set_stage(struct pki_set *s, const struct pki_set_update *u,
		    char **gen, struct pki_error *err) PKI_MUST_CHECK;
/* Reads file which of a staged or older generation ("gen/<name>"). */
int		 pki_set_read_gen(const struct pki_set *s, const char *gen,
		    int which, char **buf, size_t *len, struct pki_error *err)
		    PKI_MUST_CHECK;
/* Points "current" at gen atomically (new link renamed over it, DIR
 * fsync'ed). */
int		 pki_set_activate(struct pki_set *s, const char *gen,
		    int no_sync, struct pki_error *err) PKI_MUST_CHECK;
/* Removes a staged generation that was not activated. */
int		 pki_set_discard(struct pki_set *s, const char *gen,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Generations, oldest first ("gen/<name>" strings, free with
 * pki_strv_free). */
int		 pki_set_generations(const struct pki_set *s, char ***gens,
		    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_strv_free(char **v, size_t n);
/*
 * An environment for a hook: "NAME=VALUE" for each NAME, VALUE pair of
 * the arguments (a NULL VALUE is ""), up to a NULL NAME; NULL-terminated
 * and malloc'ed (pki_env_free), or NULL out of memory.
 */
char		**pki_env_new(const char *name, ...)
		    __attribute__((sentinel));
void		 pki_env_free(char **env);
/* Removes all but the keep newest generations older than current. */
int		 pki_set_prune(struct pki_set *s, int keep, size_t *removed,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Fixed layout: each file in u is first copied to FILE.bak (same mode),
 * then all are written with pki_file_write_set().
 */
int		 pki_set_replace_fixed(struct pki_set *s,
		    const struct pki_set_update *u, struct pki_error *err)
		    PKI_MUST_CHECK;
/* Fixed layout: puts every FILE.bak of the set back (atomically each). */
int		 pki_set_restore_fixed(struct pki_set *s, int no_sync,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- remote signing: cfssl's HTTP API (pki/remote.c) ---------------- */

/* Where a request goes and how it is authenticated. */
struct pki_remote {
	const char	*urls;		/* one remote or a comma-separated
					   failover list, as written */
	const char	*auth_key;	/* hex, env:VAR or file:PATH: HMAC
					   token and /authsign; NULL: /sign */
	const char	*auth_key_name;	/* for messages */
	const char	*tls_ca_file;	/* https: trust these, else the
					   system's */
	const char	*tls_cert_file;	/* https: client certificate */
	const char	*tls_key_file;
	long		 timeout_ms;	/* per remote attempt; <= 0: 30 s */
};

/*
 * Fills r from profile p of cfg: its remote (resolved through "remotes")
 * and auth_remote's key (through "auth_keys"), or, when override is not
 * NULL (-remote), override as the URLs (the profile's auth key is kept).
 * Pointers are borrowed from cfg and override.  PKI_ERR_CONFIG when p
 * is not remote and there is no override.
 */
int		 pki_remote_for_profile(const struct pki_config *cfg,
		    const struct pki_profile *p, const char *override,
		    struct pki_remote *r, struct pki_error *err) PKI_MUST_CHECK;

/* What to sign remotely. */
struct pki_remote_sign_req {
	const char		*csr_pem;
	const char *const	*hosts;		/* NULL with nhosts 0: null */
	size_t			 nhosts;
	const char		*profile;	/* "" for the default */
	const char		*label;		/* "" for none */
	const struct pki_cert	*issuer;	/* the CA that must have signed
						   the answer (pinned: -ca);
						   NULL: the one the server's
						   /info gives for the same
						   label and profile */
	struct pki_cert		**fetched;	/* with issuer NULL and this
						   non-NULL: receives the
						   /info certificate the
						   answer was checked
						   against (the caller frees
						   it), else NULL */
};

/*
 * The JSON bytes cfssl's client sends for q (master's signer.SignRequest:
 * hosts, certificate_request, profile, crl_override, label, NotBefore,
 * NotAfter, ReturnPrecert, metadata), Go's encoding.  *json is malloc'ed.
 */
int		 pki_remote_sign_body(const struct pki_remote_sign_req *q,
		    char **json, size_t *len, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The token of an authenticated request: base64(HMAC-SHA256(key, msg))
 * where key is the hex-decoded key_spec (env:VAR and file:PATH read it,
 * surrounding whitespace trimmed).  *b64 is malloc'ed.
 */
int		 pki_remote_token(const char *key_spec, const void *msg,
		    size_t len, char **b64, struct pki_error *err) PKI_MUST_CHECK;
/*
 * cfssl's normalisation of a remote list: split on ',', trim; no scheme
 * gives http://; no port gives :8888; "127.0.0.1:8888" is accepted.
 * *urls is a vector of n malloc'ed "scheme://host:port" strings (free
 * with pki_strv_free).  PKI_ERR_INPUT names a bad entry.
 */
int		 pki_remote_normalize(const char *spec, char ***urls,
		    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Signs q at r: POST {url}/api/v1/cfssl/sign, or /authsign with
 * {"timestamp","token","request"} when r->auth_key is set, trying the
 * URLs in order while a connection cannot be made (a server's answer,
 * even an error, ends the attempts).  The answer is checked as
 * pki_remote_check_answer says, against q->issuer or else the
 * certificate the same server's /info gives (one more request to the URL
 * that answered).  *cert receives the certificate PEM, re-encoded.
 * Errors name the URL and carry the server's code and message:
 * "http://127.0.0.1:8888: the server refused the request: 400 invalid
 * token".
 */
int		 pki_remote_sign(const struct pki_remote *r,
		    const struct pki_remote_sign_req *q, char **cert,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Checks the certificate PEM a remote signer answered (url names it)
 * before anything is written: exactly one CERTIFICATE block with only
 * whitespace around it, not a CA, whose public key and subject are those
 * of the request csr_pem, whose SANs are hosts (or, with nhosts 0, the
 * request's own), and, when issuer is not NULL, that issuer issued and
 * signed.  *out receives the certificate re-encoded (malloc'ed).
 * PKI_ERR_POLICY says what was wrong with it.
 */
int		 pki_remote_check_answer(const char *url, const char *pem,
		    size_t len, const char *csr_pem, const char *const *hosts,
		    size_t nhosts, const struct pki_cert *issuer, char **out,
		    size_t *outlen, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The second half of pki_remote_check_answer for an answer it already
 * checked without an issuer (pem: the certificate it gave back): issuer
 * issued and signed it, else PKI_ERR_POLICY as pki_remote_check_answer
 * words it.
 */
int		 pki_remote_check_issuer(const char *url, const char *pem,
		    size_t len, const struct pki_cert *issuer,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * POST {url}/api/v1/cfssl/info {"label","profile"}: *result receives the
 * result object as JSON text ({"certificate","usages","expiry"}).
 */
int		 pki_remote_info(const struct pki_remote *r, const char *label,
		    const char *profile, char **result, struct pki_error *err)
		    PKI_MUST_CHECK;

/* ---- etcd's v3 API through its JSON gateway (pki/etcd.c) ------------- */

/*
 * A client of one etcd cluster: its client URLs ("https://host:port",
 * no path) and the TLS material every request uses (the trust bundle
 * and a client certificate, e.g. a member's own peer certificate, which
 * has clientAuth).  Requests go to the gateway under /v3/ (etcd 3.4: a
 * member started from a config file needs enable-grpc-gateway: true)
 * and /health.  64-bit ids travel as decimal strings in the JSON, as
 * etcd's gateway writes them.
 */
struct pki_etcd;

struct pki_etcd_conf {
	const char *const	*endpoints;
	size_t			 nendpoints;
	const char		*ca_file;
	const char		*cert_file;
	const char		*key_file;
	long			 timeout_ms;	/* per request; <= 0: 5 s */
};

/* Copies everything from conf; nothing is contacted yet. */
int		 pki_etcd_new(const struct pki_etcd_conf *conf,
		    struct pki_etcd **out, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_etcd_free(struct pki_etcd *c);

/*
 * In the calls below, ep is an index into conf's endpoints; ep < 0 means
 * "any": the endpoints are tried in order, skipping the one set with
 * pki_etcd_avoid(), until one answers (an answer with an error ends the
 * attempts).  Errors name the endpoint: "https://127.0.0.1:2379: ...".
 */
void		 pki_etcd_avoid(struct pki_etcd *c, int ep);

/* GET /health: *healthy 1 when it answers {"health":"true"}. */
int		 pki_etcd_health(struct pki_etcd *c, int ep, int *healthy,
		    struct pki_error *err) PKI_MUST_CHECK;

/* POST /v3/maintenance/status. */
struct pki_etcd_status {
	uint64_t	 member_id;	/* header.member_id */
	uint64_t	 leader;
	uint64_t	 raft_index;
	uint64_t	 raft_term;
	uint64_t	 raft_applied;	/* raftAppliedIndex, 0 if absent */
	char		 version[32];
	char		 errors[256];	/* the "errors" list joined, or "" */
};
int		 pki_etcd_status(struct pki_etcd *c, int ep,
		    struct pki_etcd_status *st, struct pki_error *err)
		    PKI_MUST_CHECK;

/* POST /v3/cluster/member/list. */
struct pki_etcd_member {
	uint64_t	 id;
	char		*name;		/* "" when not started yet */
	char		**peer_urls;
	size_t		 npeer_urls;
	char		**client_urls;	/* none when not started yet */
	size_t		 nclient_urls;
	int		 learner;
};
int		 pki_etcd_members(struct pki_etcd *c, int ep,
		    struct pki_etcd_member **members, size_t *n,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_etcd_members_free(struct pki_etcd_member *m, size_t n);

/*
 * POST /v3/maintenance/alarm {"action":"GET"}: *n active alarms, described
 * in desc ("NOSPACE on 8e9e05c52164694d, ...", truncated to len).
 */
int		 pki_etcd_alarms(struct pki_etcd *c, int ep, size_t *n,
		    char *desc, size_t len, struct pki_error *err)
		    PKI_MUST_CHECK;

/* /v3/lease/grant, /v3/lease/keepalive (one round), /v3/lease/revoke. */
int		 pki_etcd_lease_grant(struct pki_etcd *c, int ep, long ttl_s,
		    int64_t *id, struct pki_error *err) PKI_MUST_CHECK;
int		 pki_etcd_lease_keepalive(struct pki_etcd *c, int ep,
		    int64_t id, long *ttl_s, struct pki_error *err)
		    PKI_MUST_CHECK;
int		 pki_etcd_lease_revoke(struct pki_etcd *c, int ep, int64_t id,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * Takes etcd's v3 lock name (the lock API's keys are "name/<lease hex>",
 * the same as "etcdctl lock name" uses), attached to lease, without
 * waiting: when a key under "name/" is held by another lease, *busy is set
 * to 1 and the holder's key is described in holder (e.g. its lease and
 * create time).  Otherwise /v3/lock/lock is called with a deadline of
 * wait_ms; when it does not return in time (someone took it in between)
 * *busy is 1 as well, and the caller revokes its lease, which removes
 * the waiter.  On success *key receives the lock's key (malloc'ed, n
 * bytes).
 */
int		 pki_etcd_lock(struct pki_etcd *c, int ep, const char *name,
		    int64_t lease, long wait_ms, char **key, size_t *keylen,
		    int *busy, char *holder, size_t holderlen,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_etcd_unlock(struct pki_etcd *c, int ep, const char *key,
		    size_t keylen, struct pki_error *err) PKI_MUST_CHECK;

/*
 * POST /v3/maintenance/transfer-leadership {"targetID"} to ep, which must
 * be the leader's endpoint.
 */
int		 pki_etcd_move_leader(struct pki_etcd *c, int ep,
		    uint64_t target, struct pki_error *err) PKI_MUST_CHECK;

/*
 * POST /v3/cluster/member/add {peerURLs, isLearner}: *id is the new
 * member's ID (etcd makes it).
 */
int		 pki_etcd_member_add(struct pki_etcd *c, int ep,
		    const char *const *peer_urls, size_t n, int learner,
		    uint64_t *id, struct pki_error *err) PKI_MUST_CHECK;
/* POST /v3/cluster/member/remove {ID}. */
int		 pki_etcd_member_remove(struct pki_etcd *c, int ep,
		    uint64_t id, struct pki_error *err) PKI_MUST_CHECK;
/*
 * POST /v3/cluster/member/promote {ID}: 412 "... which is in sync with
 * leader" while the learner catches up (err->text says so).
 */
int		 pki_etcd_member_promote(struct pki_etcd *c, int ep,
		    uint64_t id, struct pki_error *err) PKI_MUST_CHECK;

/*
 * TLS probe of a server that asks for client certificates: connects to
 * host:port (at most timeout_ms in all), presents cert/key (a client
 * certificate; NULL: none), sends "GET /health" and reads the answer.
 * *served receives the server's certificate (not verified);
 * *accepted is 1 when the server answered (it accepted the client
 * certificate), 0 when it ended the connection with a TLS alert
 * (it does not trust the certificate's issuer).  Errors: no connection,
 * no handshake.
 */
int		 pki_tls_probe(const char *host, const char *port,
		    const struct pki_cert *cert, const struct pki_key *key,
		    int timeout_ms, struct pki_cert **served, int *accepted,
		    struct pki_error *err) PKI_MUST_CHECK;

/* "OpenSSL 3.0.x ..., jansson 2.14": the libraries in use. */
void		 pki_runtime_version(char *buf, size_t len);

/*
 * Sets up libcrypto for the process; call it first, before any other
 * pki_ function.  Unless read_config is set, OpenSSL's configuration
 * file is not read (Debian's configures nothing, and reading it costs
 * every start a parse); the caller sets it when the user named one with
 * OPENSSL_CONF, which is then read as OpenSSL always reads it, providers
 * and all.  libcrypto does not clean up at exit (OPENSSL_INIT_NO_ATEXIT).
 * Returns 0 or PKI_ERR_CRYPTO.
 */
int		 pki_crypto_init(int read_config,
		    struct pki_error *err) PKI_MUST_CHECK;


/* ==== the rollover engine ============================================ */

/* ---- notes: how the engine reports (pki/note.c) ---------------------- */

/*
 * The rollover engine (renew, rollback, the rolling restart, ca rotate,
 * ca renew's cluster walk) reports what it finds and does as notes, one
 * line each, through a function the caller supplies; it never prints.
 * A note about one set or member carries its label ("etcd1"), and text
 * is the rest of the line, shown as "label: text".
 */
#define PKI_NOTE_OUT		0	/* a result: always shown */
#define PKI_NOTE_INFO		1	/* a detail a quiet caller leaves out */
#define PKI_NOTE_STEP		2	/* a step of a rolling restart: shown
					   unless quiet, and recorded (event) */
#define PKI_NOTE_WARNING	3	/* a warning, in the log format */
#define PKI_NOTE_ERROR		4	/* an error line (or a warning in
					   the error format, "warning: ...") */

struct pki_note {
	int		 kind;		/* PKI_NOTE_* */
	const char	*event;		/* STEP: "locked", "switch", ...; else
					   NULL */
	const char	*name;		/* the set's NAME, or NULL */
	const char	*label;		/* how the set is shown, or NULL */
	const char	*text;		/* never NULL */
};

/* Where notes go; note may be NULL (notes are dropped). */
struct pki_notify {
	void	(*note)(void *arg, const struct pki_note *n);
	void	*arg;
};

/*
 * Appends n to file (created 0644, never through a link) as one JSON
 * line {"time","pid","member","event","detail"} in a single write, so
 * that the lines of concurrent runs stay whole (-record).
 */
int		 pki_note_record(const char *file, const struct pki_note *n,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * When the private key file at path (a regular file) is readable by
 * group or others, notes "warning: PATH: mode 0644: readable by group
 * or others" as an error note (the key is still used, as cfssl does).
 * path may be a key flag's value: "file:PATH" is PATH; "-" (stdin) and
 * "env:VAR" name no file and are not checked.
 */
void		 pki_key_mode_warn(const struct pki_notify *nt,
		    const char *path);

/*
 * The outcome of an engine run, in increasing severity, so that the
 * outcome of several is the largest.
 */
#define PKI_RUN_OK		0	/* done, or nothing was due */
#define PKI_RUN_CHANGED		1	/* something was renewed or switched */
#define PKI_RUN_BUSY		2	/* another run holds a lock: later */
#define PKI_RUN_REFUSED		3	/* a check or gate failed: nothing
					   changed */
#define PKI_RUN_FAILED		4	/* an error (reported) */
#define PKI_RUN_ROLLED_BACK	5	/* the gates after a restart failed:
					   rolled back */
#define PKI_RUN_ROLLBACK_FAILED	6	/* and the rollback failed too */

/* RFC 3339 UTC ("2024-05-01T12:00:00Z") of t, or "@t" past the calendar. */
void		 pki_time_format(int64_t t, char *buf, size_t len);
/* How long sec is, as kubeadm shows time left: "12d", "5h", "30m" or
 * "<expired>" (sec <= 0). */
void		 pki_time_left(int64_t sec, char *buf, size_t len);

/* ---- a cluster's directory (pki/cldir.c) ---------------------------- */

/*
 * The files of a cluster directory DIR, as cluster issue writes them and
 * renew, ca renew and ca rotate keep them:
 *   DIR/ca.pem, ca-key.pem          the CA (unless the description names
 *                                   ca.cert_file and ca.key_file)
 *   DIR/ca-next.pem, ca-next-key.pem  a CA rotation's new CA
 *   DIR/ca-prev.pem, ca-prev-key.pem  its old CA, until drop-old
 *   DIR/ca-retired-SERIAL.pem, ca-retired-SERIAL-key.pem  after it
 *   DIR/LEAF/NAME.pem, NAME-key.pem, NAME.csr  a member's or client's set
 *   DIR/LEAF/ca.pem                 the trust bundle it is configured with
 * (LEAF and NAME come from the description: pki_cluster_leaf()).
 */
#define PKI_CA_CUR	0	/* the signing CA: DIR/ca.pem */
#define PKI_CA_NEXT	1	/* DIR/ca-next.pem */
#define PKI_CA_PREV	2	/* DIR/ca-prev.pem */

/*
 * The path of CA which's certificate (key 0) or key (key 1) under dir;
 * for PKI_CA_CUR the description's ca.cert_file/ca.key_file when cl (may
 * be NULL) names them.  *path is malloc'ed.
 */
int		 pki_cldir_ca_path(const struct pki_cluster *cl,
		    const char *dir, int which, int key, char **path,
		    struct pki_error *err) PKI_MUST_CHECK;
/* DIR/ca-retired-SERIAL.pem (key 0) or -key.pem (key 1), malloc'ed. */
int		 pki_cldir_retired_path(const char *dir, const char *serial_hex,
		    int key, char **path, struct pki_error *err) PKI_MUST_CHECK;

/* One leaf of a cluster directory. */
struct pki_cldir_leaf {
	size_t			  index;	/* for pki_cluster_leaf() */
	const char		 *name;		/* NAME: LEAF/NAME.pem */
	const char		 *label;	/* LEAF: "etcd1", "clients/x" */
	char			 *dir;		/* DIR/LEAF */
	int			  member;	/* 1: a member, 0: a client */
	const struct pki_csr	 *csr;
	const struct pki_profile *profile;
	int			  key_format;	/* PKI_KEY_FMT_* of its key */
	const struct pki_owner	 *owner;	/* as described (borrowed) */
	const char		 *client_url;	/* a member's first, or NULL */
	const char		 *peer_url;
	const struct pki_url	 *client_url_parts;	/* the same parsed */
	const struct pki_url	 *peer_url_parts;
};

/*
 * The leaves of cl under dir in the description's order (members first),
 * only the one named member when member is not NULL (none: *n is 0).
 * The pointers other than dir are borrowed from cl.  Free the vector
 * with pki_cldir_leaves_free().
 */
int		 pki_cldir_leaves(const struct pki_cluster *cl,
		    const char *dir, const char *member,
		    struct pki_cldir_leaf **out, size_t *n,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_cldir_leaves_free(struct pki_cldir_leaf *v, size_t n);

/* ---- cluster export (pki/clexport.c) --------------------------------- */

/* What cluster export packs: one leaf's files for its host. */
struct pki_cluster_export {
	const struct pki_cluster *cl;
	const char		*dir;		/* the cluster directory */
	const char		*name;		/* a member's or client's name */
	const char		*owner;		/* "USER[:GROUP]", by name, the
						   key's on the node (USER
						   alone: its login group);
						   NULL: the description's,
						   else root (a unit: the
						   group is the owner's
						   name) */
	mode_t			 key_mode;	/* 0: the description's key_mode,
						   else 0600 */
	int			 unit;		/* add etcd.service (members) */
	int64_t			 now;		/* the files' mtime */
};

/* The archive; free with pki_cluster_exported_clear(). */
struct pki_cluster_exported {
	char			*tar;		/* ustar; holds a private key */
	size_t			 len;
	char			**paths;	/* the node paths it holds, in
						   order */
	size_t			 npaths;
	int			 member;	/* 1: a member, 0: a client */
};

/*
 * Packs, as a ustar archive that unpacks at "/", the files q->name needs
 * on its host, read from its directory under q->dir (links into current/
 * followed) and named by the node's paths: the description's pki_dir
 * (default /etc/etcd/pki: NAME.pem, NAME-key.pem owned by q->owner or
 * the description's owner (their names on this host),
 * ca.pem, NAME-csr.json, NAME.csr, crl.pem, crl.der), config_dir (default
 * /etc/etcd: a member's etcd.conf.yml and etcd.env, written for those
 * paths), etcdctl_env (default /etc/profile.d/etcdctl.sh), a client's
 * kube-apiserver.flags in pki_dir, with unit
 * /etc/systemd/system/etcd.service, and last pki_dir/NAME-export.sha256
 * (sha256sum -c of every other file).  No directory entries: a node's
 * directories keep their owners and modes.  The key must match the
 * certificate.  Never the CA key or another leaf's files.
 */
int		 pki_cluster_export(const struct pki_cluster_export *q,
		    struct pki_cluster_exported *out, struct pki_error *err)
		    PKI_MUST_CHECK;
/* Frees (wiping the archive) and zeroes x. */
void		 pki_cluster_exported_clear(struct pki_cluster_exported *x);

/* ---- certificate revocation lists (pki/crl.c) ------------------------- */

/* Revocation reasons (RFC 5280 5.3.1 CRLReason; 7 is not assigned). */
#define PKI_REASON_NONE			-1	/* no reasonCode extension */
#define PKI_REASON_UNSPECIFIED		0
#define PKI_REASON_KEY_COMPROMISE	1
#define PKI_REASON_CA_COMPROMISE	2
#define PKI_REASON_AFFILIATION_CHANGED	3
#define PKI_REASON_SUPERSEDED		4
#define PKI_REASON_CESSATION		5
#define PKI_REASON_CERTIFICATE_HOLD	6
#define PKI_REASON_REMOVE_FROM_CRL	8
#define PKI_REASON_PRIVILEGE_WITHDRAWN	9
#define PKI_REASON_AA_COMPROMISE	10

/*
 * Parses a revocation reason as cfssl revoke takes it: a name of RFC 5280
 * in any case ("keyCompromise", "keycompromise") or its number 0..10.
 * 7 (not assigned) and removeFromCRL (8, for delta CRLs only) are
 * refused (PKI_ERR_INPUT): a full CRL that carries them is malformed.
 * err->text is the problem alone; the caller names the flag.
 */
int		 pki_crl_reason_parse(const char *s, int *code,
		    struct pki_error *err) PKI_MUST_CHECK;
/* The RFC 5280 name of a reason ("keyCompromise"); "" for
 * PKI_REASON_NONE, "unknown" for anything else.  Static. */
const char	*pki_crl_reason_name(int code);

struct pki_crl;

/* One revoked certificate. */
struct pki_crl_entry {
	char		 serial[64];	/* decimal */
	int64_t		 revoked_at;	/* Unix seconds */
	int		 reason;	/* PKI_REASON_*: NONE or UNSPECIFIED
					   give no reasonCode extension */
};

/*
 * What a CRL holds.  It is a v2 CRL issued by ca (its subject, copied
 * byte for byte), thisUpdate and nextUpdate as given, the entries in
 * their order, an Authority Key Identifier (ca's SKI) when ca has one,
 * and a CRL Number when number is not NULL (decimal); signed by cakey
 * (SHA-256 for RSA, by curve for ECDSA, as Go's x509.CreateCRL does).
 * Without a number it is the CRL "cfssl gencrl" writes.
 */
struct pki_crl_request {
	const struct pki_cert		*ca;
	const struct pki_key		*cakey;
	const struct pki_crl_entry	*entries;
	size_t				 nentries;
	int64_t				 this_update;
	int64_t				 next_update;
	const char			*number;
};

/* Makes and signs the CRL q asks for (ca and cakey must match). */
int		 pki_crl_new(const struct pki_crl_request *q,
		    struct pki_crl **out, struct pki_error *err) PKI_MUST_CHECK;
/* Loads a CRL from PEM ("X509 CRL") or DER; source names it. */
int		 pki_crl_load(const char *buf, size_t len, const char *source,
		    struct pki_crl **out, struct pki_error *err) PKI_MUST_CHECK;
#define PKI_CRL_DER	0
#define PKI_CRL_PEM	1
#define PKI_CRL_BASE64	2	/* the DER in base64, one line, as cfssl
				   gencrl prints it (no newline) */
/* The CRL in format fmt (PKI_CRL_*); *out is malloc'ed, NUL-terminated. */
int		 pki_crl_encode(const struct pki_crl *crl, int fmt, char **out,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_crl_free(struct pki_crl *crl);

/* What a CRL says about itself. */
struct pki_crl_info {
	int64_t		 this_update;
	int64_t		 next_update;	/* 0: none */
	char		 number[64];	/* decimal, "" without a CRL Number */
	char		 aki[129];	/* lower-case hex, "" without one */
	char		*issuer;	/* one line: "CN=x,O=y" (malloc'ed) */
	size_t		 nentries;
};
int		 pki_crl_info(const struct pki_crl *crl,
		    struct pki_crl_info *info, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_crl_info_clear(struct pki_crl_info *info);
/* Entry i (< info.nentries) into *e; PKI_ERR_ARG past the end. */
int		 pki_crl_entry(const struct pki_crl *crl, size_t i,
		    struct pki_crl_entry *e, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * Checks that ca issued the CRL: the issuer is ca's subject and the
 * signature verifies with ca's key (PKI_ERR_SIGNATURE otherwise).
 */
int		 pki_crl_verify(const struct pki_crl *crl,
		    const struct pki_cert *ca, struct pki_error *err)
		    PKI_MUST_CHECK;

/*
 * cfssl gencrl's SERIALS file: one decimal serial number per line,
 * surrounding white space (a CR too) ignored, blank lines skipped.  What
 * cfssl would misread silently (hex, a sign, other text) is refused with
 * "source: line N: ...".  A serial given twice is kept once, with a
 * warning through opts.  *serials: n malloc'ed strings (pki_strv_free).
 */
int		 pki_crl_serials_parse(const char *buf, size_t len,
		    const char *source, const struct pki_parse_opts *opts,
		    char ***serials, size_t *n, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * cfssl gencrl: a CRL (no CRL Number, no reason codes) of ca revoking
 * the serials in serials (the SERIALS file's contents, parsed with
 * pki_crl_serials_parse, source naming it), each revoked at now, valid
 * until now + expiry seconds (0: a week, cfssl's default; negative: in
 * the past, as cfssl allows).  *out (malloc'ed) receives it in fmt.
 */
struct pki_gencrl {
	const char			*serials;
	size_t				 len;
	const char			*source;
	const struct pki_parse_opts	*opts;
	const struct pki_cert		*ca;
	const struct pki_key		*cakey;
	int64_t				 expiry;
	time_t				 now;	/* 0: the current time */
	int				 fmt;	/* PKI_CRL_* */
};
int		 pki_crl_gencrl(const struct pki_gencrl *g, char **out,
		    size_t *len, struct pki_error *err) PKI_MUST_CHECK;
/*
 * gencrl's nargs arguments SERIALS CA-CERT CA-KEY [TIME]: enough (else
 * PKI_ERR_INPUT in cfssl's words: it exits 1), not too many (PKI_ERR_ARG,
 * a usage error), and at most one of the three files "-" (PKI_ERR_INPUT).
 */
int		 pki_gencrl_args(int nargs, char *const *args,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * cfssl gencrl's TIME: seconds as Go's strconv.ParseInt(s, 0, 32) reads
 * them (a sign, 0x/0o/0b prefixes or a leading 0 for octal, '_' between
 * digits), surrounding white space ignored.  err->text is the problem
 * alone.
 */
int		 pki_crl_expiry_parse(const char *s, int64_t *sec,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * gencrl's TIME argument: seconds (pki_crl_expiry_parse) or, as cfssl
 * 1.2.0 read it, the name of a regular file holding them; *from_file
 * then says so (the caller warns).  err->text: "TIME problem" or "TIME:
 * FILE: problem".
 */
int		 pki_crl_expiry_arg(const char *arg, int64_t *sec,
		    int *from_file, struct pki_error *err) PKI_MUST_CHECK;
/*
 * A CRL in buf (PEM or DER): its thisUpdate and nextUpdate, as a
 * certificate's validity.  A CRL without nextUpdate is refused
 * (PKI_ERR_INPUT): it is never due.
 */
int		 pki_crl_validity(const char *buf, size_t len,
		    const char *source, int64_t *this_update,
		    int64_t *next_update, struct pki_error *err) PKI_MUST_CHECK;
/*
 * An authority key identifier as the inventory keeps it, lower-case hex
 * without colons, from hex in any case with or without colons (as
 * certinfo prints it) into out.  Returns 0, or -1 when in is not hex or
 * does not fit.
 */
int		 pki_aki_normalize(const char *in, char *out, size_t size);
/*
 * cfssl revoke's checks of its arguments (nargs left after the flags;
 * -serial, -aki and -db-config, NULL when not given), in its order and
 * words; the AKI normalized into akihex (size bytes).  Returns 0 or
 * PKI_ERR_INPUT (cfssl exits 1).
 */
int		 pki_revoke_db_args(int nargs, const char *serial,
		    const char *aki, const char *dbconf, char *akihex,
		    size_t size, struct pki_error *err) PKI_MUST_CHECK;

/* ---- when a certificate is due (pki/status.c) ------------------------ */

/* The rules of needs-renewal; status and renew use PKI_DUE_RENEW. */
#define PKI_DUE_RENEW	0	/* renew's: pki_renew_at() with policy */
#define PKI_DUE_USED	1	/* percent of the lifetime used (step's
				   -expires-in N%) */
#define PKI_DUE_LEFT	2	/* less than left seconds left */

struct pki_due_rule {
	int			 kind;		/* PKI_DUE_* */
	struct pki_renew_policy	 policy;	/* PKI_DUE_RENEW */
	long			 percent;	/* PKI_DUE_USED */
	int64_t			 left;		/* PKI_DUE_LEFT */
};

struct pki_due {
	double		 used;		/* percent of the lifetime used at
					   now (100 when it is not positive) */
	int64_t		 at;		/* when it is due */
	int		 due;		/* now >= at, or expired */
	int		 expired;	/* now >= notAfter */
};

/*
 * Judges a certificate valid from not_before to not_after (name: the set's
 * NAME, for the stagger) at now by rule into *out.  PKI_ERR_ARG when the
 * lifetime is not positive or renew's policy does not fit it (*out then
 * holds used and expired only).
 */
int		 pki_due_eval(const struct pki_due_rule *rule,
		    int64_t not_before, int64_t not_after, const char *name,
		    time_t now, struct pki_due *out, struct pki_error *err)
		    PKI_MUST_CHECK;

/*
 * The rule "due when less than left is left": a share of the lifetime
 * (renew's arithmetic, no stagger) or a time.
 */
void		 pki_due_rule_left(struct pki_due_rule *rule,
		    const struct pki_share *left);

/* ---- the status of certificates (pki/status.c) ------------------------ */

/*
 * The model status, check and renew's -metrics-file print from: each
 * certificate found at a path or in a cluster directory, with its facts,
 * the share of its life used, its renewal time (renew's rule), whether
 * its key matches, how it drifted from its CSR JSON, and the CA row that
 * issued it.  A key or CSR JSON that cannot be read is noted through nt
 * (PKI_NOTE_ERROR) as it is found.
 */
#define PKI_ROW_OK		0	/* read, facts valid */
#define PKI_ROW_MISSING		1	/* the certificate file does not
					   exist */
#define PKI_ROW_UNREADABLE	2	/* exists but cannot be read or
					   parsed */

#define PKI_ROWKEY_MATCH	0
#define PKI_ROWKEY_MISMATCH	1
#define PKI_ROWKEY_MISSING	2
#define PKI_ROWKEY_UNREADABLE	3

#define PKI_DRIFT_NONE		0	/* compared: see drift (may be
					   empty) */
#define PKI_DRIFT_NO_CSR	1	/* no CSR JSON to compare with */
#define PKI_DRIFT_BAD_CSR	2	/* the CSR JSON cannot be read */

#define PKI_CAWARN_NONE		0
#define PKI_CAWARN_RENEWAL	1	/* the CA expires before the leaf
					   is next renewed */
#define PKI_CAWARN_RENEWED	2	/* the CA expires before a renewal
					   at renew_at would expire */

/* One certificate: a leaf (is_ca 0) or a CA (is_ca 1). */
struct pki_status_row {
	char			*name;		/* NAME of NAME.pem, or "ca" */
	char			*path;		/* as given or built */
	int			 is_ca;
	int			 state;		/* PKI_ROW_* */
	char			*error;		/* when state != PKI_ROW_OK */
	struct pki_cert		*cert;
	struct pki_cert_facts	 f;		/* when state == PKI_ROW_OK */
	double			 percent_used;	/* of the lifetime, at now */
	int64_t			 seconds_left;	/* not_after - now */
	int			 has_renew_at;	/* leaves */
	int64_t			 renew_at;
	int			 due;		/* now >= renew_at */
	char			*renew_error;	/* why there is no renew_at */
	int			 key;		/* PKI_ROWKEY_*, leaves only */
	int			 drift_state;	/* PKI_DRIFT_*, leaves only */
	struct pki_drift	 drift;
	char			*generation;	/* "gen/..." or NULL */
	char			*gen_refused;	/* pki_cert_gen_refused's text,
						   or NULL */
	long			 ca;		/* leaves: issuing CA row, or
						   -1 (pki_status_link) */
	int			 ca_warning;	/* PKI_CAWARN_* (link) */
};

/* A directory of the rows and its lock's busy count (pki_dir_lock_busy). */
struct pki_status_lock {
	char			*dir;
	unsigned		 busy_runs;	/* runs in a row that found it
						   held; 0: none */
	int64_t			 busy_since;	/* the first of them */
};

/* What a cluster directory's CRL is (pki_cluster_crl_state, pki/clcrl.c). */
struct pki_cluster_crl_state {
	int			 present;	/* DIR has an inventory or a
						   CRL: CRLs are in use */
	int			 state;		/* PKI_ROW_* */
	char			*path;		/* DIR/crl.der */
	char			*error;		/* when state != PKI_ROW_OK */
	struct pki_crl_info	 info;		/* when state == PKI_ROW_OK */
	int			 verified;	/* signed by DIR's CA */
	int			 inventory_read;	/* recorded known */
	size_t			 recorded;	/* revoked, not expired, in the
						   inventory */
	int			 listed;	/* it lists exactly those */
};

/*
 * The CRL in a status of a cluster, judged as a certificate is over its
 * lifetime, thisUpdate to nextUpdate.
 */
struct pki_status_crl {
	struct pki_cluster_crl_state	 st;
	double				 percent_used;
	int64_t				 seconds_left;	/* nextUpdate - now */
	int64_t				 age;		/* now - thisUpdate */
	int				 has_renew_at;
	int64_t				 renew_at;	/* renew signs a new
							   one from then */
	int				 due;
};

struct pki_status {
	struct pki_status_row	*rows;
	size_t			 n;
	struct pki_status_lock	*locks;		/* each set's directory and,
						   in cluster mode, DIR */
	size_t			 nlocks;
	time_t			 now;
	struct pki_renew_policy	 policy;
	struct pki_notify	 nt;
	struct pki_status_crl	 crl;		/* cluster mode; crl.st.present
						   when CRLs are in use */
};

/*
 * Starts an empty status evaluated at now with policy (NULL: the
 * default) noting through nt (may be NULL); both are copied.
 */
void		 pki_status_init(struct pki_status *s, time_t now,
		    const struct pki_renew_policy *policy,
		    const struct pki_notify *nt);
/*
 * Adds the rows of one PATH: a certificate file (a leaf row, or a CA row
 * when it is a CA certificate), or a directory (every NAME.pem with a
 * NAME-key.pem beside it, then its ca.pem).  A missing or unreadable
 * certificate is a row; errors are a directory that cannot be read and
 * running out of memory.
 */
int		 pki_status_add_path(struct pki_status *s, const char *path,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Adds every leaf of cl under dir (compared with the description's CSR
 * JSON), only member's when member is not NULL (PKI_ERR_ARG when cl has
 * none of that name), then the CA (pki_cldir_ca_path), and fills s->crl
 * (pki_cluster_crl_state, timed with s's policy).
 */
int		 pki_status_add_cluster(struct pki_status *s,
		    const struct pki_cluster *cl, const char *dir,
		    const char *member, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Finds each leaf's issuing CA among the CA rows (the issuer's name, and
 * the leaf verifies against it) and sets its ca_warning.
 */
void		 pki_status_link(struct pki_status *s);
/*
 * The number of problems: rows missing or unreadable (their key or CSR
 * JSON too), a CRL in use that is, and locks PKI_LOCK_BUSY_RUNS runs in
 * a row found held.
 */
size_t		 pki_status_problems(const struct pki_status *s);
void		 pki_status_free(struct pki_status *s);
/*
 * When the commands that write the set of certificate path (D/NAME.pem
 * or D/current/NAME.pem) refuse its generation (pki_set_gen_untrusted),
 * *text receives a warning naming the set and why: "PATH: D/current ->
 * gen/G: WHY: renew, rollback and ca rotate refuse this set"
 * (malloc'ed); else NULL.  What only reads the set reports it and goes on.
 */
int		 pki_cert_gen_refused(const char *path, char **text,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The warnings about s (linked with pki_status_link), one line each: a
 * set whose generation the commands that write it refuse (gen_refused);
 * a leaf's CA expiring before the leaf would next be renewed, or before a
 * renewal at its renewal time would expire; a leaf with no renewal time;
 * a CRL not signed by the cluster CA or not listing every revocation the
 * inventory records; a directory whose lock runs found held.  *v
 * (possibly empty) is the caller's, freed with pki_strv_free.
 */
int		 pki_status_warnings(const struct pki_status *s, char ***v,
		    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
struct json_t;
/*
 * s as status's -o json document (version 1: generated, certificates,
 * cas, locks, crl, warnings); *out is a new reference.
 */
int		 pki_status_json(const struct pki_status *s,
		    struct json_t **out, struct pki_error *err) PKI_MUST_CHECK;

/*
 * s as status prints it (pki/statustext.c): a table of the leaves, one of
 * the CAs, the CRL's, then "warning: ..." lines (pki_status_warnings);
 * *out is malloc'ed, possibly "".
 */
int		 pki_status_text(const struct pki_status *s, char **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- check's verdict (pki/statuscheck.c) ------------------------------ */

/* Nagios plugin states, which are check's exit statuses. */
#define PKI_CHECK_OK		0
#define PKI_CHECK_WARNING	1
#define PKI_CHECK_CRITICAL	2
#define PKI_CHECK_UNKNOWN	3

/* A threshold: a share of the lifetime left, or a time left. */
struct pki_check_threshold {
	int	 is_share;
	double	 share;		/* 0.2 for 20% */
	int64_t	 seconds;
};

struct pki_check_result {
	int	 state;		/* PKI_CHECK_*, the worst (CRITICAL
				   over UNKNOWN over WARNING) */
	char	*text;		/* the status text after "STATE - " */
	char	*perf;		/* perfdata, or NULL when none */
};

/*
 * Judges every row of s: expired, a key that does not match and a
 * missing certificate are CRITICAL, as is less time left than crit;
 * less than warn is WARNING; an unreadable certificate or key UNKNOWN;
 * no row at all UNKNOWN "no certificates found".  The cluster's CRL,
 * when CRLs are in use, likewise over thisUpdate to nextUpdate, and
 * CRITICAL when it is not the CA's or does not list every revocation.
 * A directory whose lock PKI_LOCK_BUSY_RUNS runs in a row found held is
 * CRITICAL; a set whose generation renew would refuse (gen_refused) at
 * least WARNING.  The text lists the rows of the worst state, or when all are OK their
 * number and the soonest to expire; perf holds
 * 'NAME_seconds_left'=Ns;W;C;0;LIFETIME per readable row (and "crl").
 * Free *out with pki_check_result_clear.
 */
int		 pki_status_check(const struct pki_status *s,
		    const struct pki_check_threshold *warn,
		    const struct pki_check_threshold *crit,
		    struct pki_check_result *out, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_check_result_clear(struct pki_check_result *r);
/* check's default thresholds: 20% of the lifetime left, and 10%. */
void		 pki_check_thresholds_default(
		    struct pki_check_threshold *warn,
		    struct pki_check_threshold *crit);
/* "OK", "WARNING", "CRITICAL" or "UNKNOWN". */
const char	*pki_check_state_name(int state);

/*
 * needs-renewal's verdict on cert, read from target: due under rule at
 * now (pki_due_eval, errors prefixed with target) for the name renew
 * gives it (target's NAME of NAME.pem or, for a server's certificate
 * read from host, its CN or else host), and why as text into why
 * ("expired T", "N% of the lifetime used (renew at T)").
 */
int		 pki_due_cert(const struct pki_due_rule *rule,
		    const struct pki_cert *cert, const char *target,
		    const char *host, time_t now, struct pki_due *due,
		    char *why, size_t whylen, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The same for the file target read into buf: a certificate or, when it
 * is none, a CRL (a cluster's crl.der, NAME "crl", judged over
 * thisUpdate to nextUpdate); when it is neither, the certificate's error.
 */
int		 pki_due_file(const struct pki_due_rule *rule,
		    const char *buf, size_t len, const char *target,
		    time_t now, struct pki_due *due, char *why,
		    size_t whylen, struct pki_error *err) PKI_MUST_CHECK;
/*
 * s as a node_exporter textfile (Prometheus exposition format, every
 * metric with # HELP and # TYPE gauge): per leaf
 * etcd_pki_certificate_{expiration,renewal,not_before}_timestamp_seconds,
 * per CA etcd_pki_ca_expiration_timestamp_seconds, labelled {name,path};
 * per directory etcd_pki_lock_busy_runs labelled {dir};
 * for the cluster's CRL etcd_pki_crl_{next_update,this_update,renewal}_
 * timestamp_seconds and etcd_pki_crl_revoked_certificates, labelled
 * {path};
 * with command not NULL also etcd_pki_last_run_timestamp_seconds and
 * etcd_pki_last_run_exit_code labelled {command}.  Rows that could not
 * be read have no samples.  *text is malloc'ed.
 */
int		 pki_status_metrics(const struct pki_status *s,
		    const char *command, int exit_code, char **text,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The same written to path atomically (pki_file_write_set, mode 0644),
 * merged with what the file holds (pki_textfile_merge): status and renew
 * can share one file.  Writers take turns on a lock of path's directory.
 */
int		 pki_status_metrics_write(const struct pki_status *s,
		    const char *path, const char *command, int exit_code,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The textfile own (this run's, of command) merged into old (the file's
 * contents, or NULL): own's families in its order, each followed by the
 * samples of old to keep, then old's other families.  An old sample is
 * kept when it is another command's (label command) or about a
 * certificate own does not report and whose path label still names a
 * file; every other old sample is replaced.  *out is malloc'ed.
 */
int		 pki_textfile_merge(const char *old, const char *own,
		    const char *command, char **out, struct pki_error *err)
		    PKI_MUST_CHECK;
/* NAME of a certificate path ".../NAME.pem" (malloc'ed; NULL: no memory). */
char		*pki_cert_path_name(const char *path);
/*
 * A drift as text into buf: "+DNS:x -IP:y subject", and with subject_dn
 * the wanted subject after "subject".
 */
void		 pki_drift_text(const struct pki_drift *d, int subject_dn,
		    char *buf, size_t len);


/* ---- scheduled renewals (pki/schedule.c) ------------------------------ */

/*
 * What "etcd-pki schedule" writes: a systemd service and timer, or a
 * cron.d file, running renew twice a day, the service only when
 * needs-renewal finds a certificate due.
 */
#define PKI_SCHED_SYSTEMD	0	/* NAME.service and NAME.timer */
#define PKI_SCHED_CRON		1	/* the cron.d file NAME */

struct pki_schedule {
	const char		*name;		/* unit or cron.d file name */
	const char		*self;		/* etcd-pki's absolute path */
	const char *const	*cond;		/* needs-renewal's arguments */
	size_t			 ncond;
	const char *const	*run;		/* renew's arguments */
	size_t			 nrun;
	const char *const	*rw;		/* what renew writes: its
						   directories and output
						   files (absolute) */
	size_t			 nrw;
	const char		*auth_key_file;	/* renew's remote auth key
						   (file: in the config):
						   LoadCredential=, or NULL */
};

/*
 * The systemd credential a scheduled renew reads the remote signer's
 * auth key from when its configuration names a key file (file:PATH):
 * the unit passes PATH with LoadCredential= (pki_targets_set_remote).
 */
#define PKI_AUTH_KEY_CRED	"remote-auth-key"

/* The files of a schedule: text[i] (malloc'ed) for NAME + suffix[i]. */
struct pki_schedule_files {
	char		*text[2];
	const char	*suffix[2];	/* "", ".service", ".timer" */
	size_t		 n;
};

/*
 * The name of a unit or cron.d file: letters, digits, "_" and "-", not
 * starting with "-", at most 200 bytes.  PKI_ERR_ARG otherwise, the text
 * starting with the name in quotes.
 */
int		 pki_schedule_name_check(const char *name,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The files of sc as kind (PKI_SCHED_*) says: the service with its
 * ExecCondition and ExecStart lines (every word quoted for systemd: "%"
 * and "$" doubled, C escapes in double quotes) and the timer; or the
 * cron.d line (words quoted for sh(1), "%" escaped for cron) at a random
 * minute of a random hour and 12 hours later.  PKI_ERR_ARG: a bad name,
 * or a newline in a cron line.  Free *out with pki_schedule_files_clear.
 */
int		 pki_schedule_files(const struct pki_schedule *sc, int kind,
		    struct pki_schedule_files *out, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_schedule_files_clear(struct pki_schedule_files *f);

#define PKI_ABS_EXISTS	0x1	/* the file must exist (an input) */
#define PKI_ABS_SPEC	0x2	/* a -ca spec: env:VAR stays as it is,
				   file:PATH's PATH is made absolute */
/*
 * path made absolute for a job that runs from "/": its directory
 * resolved with realpath(3), its last component kept as it is
 * (DIR/NAME.pem may be a link into current/ and must stay one).  "-" and
 * "" are refused (a scheduled job needs a file).  Errors name
 * path first ("PATH: problem"), for the caller to prefix with the
 * argument.  *out is malloc'ed.
 */
int		 pki_path_absolute(const char *path, int flags, char **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * A command given as one flag value (a hook, -restart-cmd) split into
 * words, as no shell: blanks separate words; '...' quotes literally;
 * "..." quotes with \" and \\ as escapes; outside quotes a backslash
 * escapes the next character.  Nothing is expanded.  *argv is
 * NULL-terminated, *argc words (free with pki_strv_free).  Errors:
 * PKI_ERR_INPUT, the text alone for the caller to name the command
 * ("unterminated ' quote", "a backslash ends the command"), and
 * PKI_ERR_ARG "the command is empty".
 */
int		 pki_argv_split(const char *text, char ***argv, size_t *argc,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Base64 (standard alphabet, padded, one line) of len bytes; malloc'ed
 * (NULL: no memory). */
char		*pki_b64_encode(const void *data, size_t len);

/* ---- what a scheduled renewal runs (pki/schedplan.c) ------------------ */

/* How a flag of renew is passed on by a scheduled job. */
#define PKI_SCHED_ARG_WORD	0	/* its value as given */
#define PKI_SCHED_ARG_BOOL	1	/* no value: the flag alone */
#define PKI_SCHED_ARG_SPEC	2	/* an input spec (PKI_ABS_SPEC) */
#define PKI_SCHED_ARG_PATH	3	/* an input file, which must exist */
#define PKI_SCHED_ARG_OUTPUT	4	/* a file renew writes */

/* One flag of renew, without its "-". */
struct pki_schedule_flag {
	const char	*name;
	int		 kind;		/* PKI_SCHED_ARG_* */
	const char	*value;		/* NULL for ..._ARG_BOOL */
};

/* The renew invocation a schedule runs ("-quiet" is always added). */
struct pki_schedule_renew {
	const struct pki_schedule_flag	*flags;	/* in order */
	size_t				 nflags;
	const char *const		*args;	/* CERT..., or DIR */
	size_t				 nargs;
	const char			*renew_before;	/* or NULL */
	const char			*stagger;	/* or NULL */
	const char			*cluster;	/* -cluster's DESC,
							   or NULL */
	const struct pki_cluster	*cl;		/* DESC parsed (for
							   _plan_cond) */
	const char			*member;	/* or NULL */
	struct pki_notify		 nt;	/* a certificate not issued
						   yet (a warning) */
};

/* The argument vectors of a schedule (struct pki_schedule), all owned. */
struct pki_schedule_plan {
	char	**run;		/* renew's */
	size_t	  nrun;
	char	**cond;		/* needs-renewal's */
	size_t	  ncond;
	char	**rw;		/* what renew writes */
	size_t	  nrw;
	char	 *auth_key_file;	/* the remote auth key's file, or
					   NULL (pki_schedule_plan_run) */
};

/*
 * p->run: "renew -quiet", rq's flags and its arguments, every file made
 * absolute (pki_path_absolute: inputs must exist); p->rw: the output
 * flags' files and the arguments.  Errors read "-FLAG PATH: problem" (or
 * "CERT ...", "DIR ...").  When renew signs through a CA server (-config
 * with a remote profile, or -remote), p->auth_key_file is the absolute
 * path of a file: auth key (never put on a command line; the unit loads
 * it as a credential), and a key written in the configuration itself
 * gets a warning through rq->nt when others can read that file.  p starts zeroed; free it with
 * pki_schedule_plan_clear.
 */
int		 pki_schedule_plan_run(const struct pki_schedule_renew *rq,
		    struct pki_schedule_plan *p, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * Then p->cond: needs-renewal with renew's timing (-renew-before when
 * given, -stagger with renew's default 5%) and the certificates renew
 * looks at: p->run's, or with rq->cl every leaf certificate of DIR (only
 * rq->member's; PKI_ERR_ARG when there is none), noting a warning for
 * each not issued yet, and DIR's CRL when there is one.
 */
int		 pki_schedule_plan_cond(const struct pki_schedule_renew *rq,
		    struct pki_schedule_plan *p, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_schedule_plan_clear(struct pki_schedule_plan *p);

/* ---- the etcd operations of a rolling restart (pki/etcdops.c) -------- */

/*
 * Every etcd and TLS operation the rolling restart and ca rotate use, as
 * an interface the library owns: pki_etcd_ops_default() implements it
 * over pki_etcd_* (pki/etcd.c), pki_tls_peer_cert(), pki_tls_probe() and
 * the system's monotonic clock; a test drives the engine through a fake.
 * h is what open() returned; arg is the ops_arg given with the ops.
 * Each function follows the pki_etcd_* function of its name (members are
 * freed with pki_etcd_members_free()).
 */
struct pki_etcd_ops {
	int	(*open)(void *arg, const struct pki_etcd_conf *conf, void **h,
		    struct pki_error *err);
	void	(*close)(void *h);
	void	(*avoid)(void *h, int ep);
	int	(*health)(void *h, int ep, int *healthy, struct pki_error *err);
	int	(*status)(void *h, int ep, struct pki_etcd_status *st,
		    struct pki_error *err);
	int	(*members)(void *h, int ep, struct pki_etcd_member **m,
		    size_t *n, struct pki_error *err);
	int	(*alarms)(void *h, int ep, size_t *n, char *desc, size_t len,
		    struct pki_error *err);
	int	(*lease_grant)(void *h, int ep, long ttl_s, int64_t *id,
		    struct pki_error *err);
	int	(*lease_keepalive)(void *h, int ep, int64_t id, long *ttl_s,
		    struct pki_error *err);
	int	(*lease_revoke)(void *h, int ep, int64_t id,
		    struct pki_error *err);
	int	(*lock)(void *h, int ep, const char *name, int64_t lease,
		    long wait_ms, char **key, size_t *keylen, int *busy,
		    char *holder, size_t holderlen, struct pki_error *err);
	int	(*unlock)(void *h, int ep, const char *key, size_t keylen,
		    struct pki_error *err);
	int	(*move_leader)(void *h, int ep, uint64_t target,
		    struct pki_error *err);
	/* pki_tls_peer_cert (SNI: the host) and pki_tls_probe. */
	int	(*peer_cert)(void *arg, const char *host, const char *port,
		    int timeout_ms, struct pki_cert **out,
		    struct pki_error *err);
	int	(*tls_probe)(void *arg, const char *host, const char *port,
		    const struct pki_cert *cert, const struct pki_key *key,
		    int timeout_ms, struct pki_cert **served, int *accepted,
		    struct pki_error *err);
	/* A monotonic clock in milliseconds, and a sleep. */
	int64_t	(*now_ms)(void *arg);
	void	(*sleep_ms)(void *arg, long ms);
	/* Membership changes (member add, member remove). */
	int	(*member_add)(void *h, int ep, const char *const *peer_urls,
		    size_t n, int learner, uint64_t *id,
		    struct pki_error *err);
	int	(*member_remove)(void *h, int ep, uint64_t id,
		    struct pki_error *err);
	int	(*member_promote)(void *h, int ep, uint64_t id,
		    struct pki_error *err);
};

/* The real operations (static storage; ops_arg unused). */
const struct pki_etcd_ops *pki_etcd_ops_default(void);

/* ---- the rolling restart (pki/rolling.c) ------------------------------ */

/*
 * One member at a time, coordinated through etcd itself: the cluster-wide
 * lock (etcd's v3 lock PKI_ROLL_LOCK_NAME on a lease), the gates before
 * the restart (every member healthy and started, no alarm, quorum kept
 * with the member down, leadership moved away), the switch of the
 * member's set inside the restart, the gates after it (healthy, caught
 * up, the expected certificate served and trust loaded) and the rollback
 * when they fail.  Used by renew and ca rotate (-restart rolling).
 */
#define PKI_ROLL_LOCK_NAME	"etcd-pki-rollover"
#define PKI_ROLL_GATE_MS	(120 * 1000L)	/* defaults of the conf */
#define PKI_ROLL_SETTLE_MS	(30 * 1000L)
#define PKI_ROLL_LOCK_TTL_S	300L
#define PKI_ROLL_MAX_LAG	100

/* The commands of a restart, for pki_roll_conf.run. */
#define PKI_ROLL_RESTART	0	/* -restart-cmd */
#define PKI_ROLL_STOP		1	/* -stop-cmd */
#define PKI_ROLL_START		2	/* -start-cmd */

struct pki_roll_conf {
	long		 gate_timeout_ms;	/* gates after the restart */
	long		 settle_ms;		/* wait before unlocking */
	long		 lock_ttl_s;		/* the lock's lease */
	uint64_t	 max_lag;		/* raft entries behind the
						   leader, at most */
	/* The commands as given (messages); stop_text NULL: one restart. */
	const char	*restart_text;
	const char	*stop_text;
	const char	*start_text;
	/*
	 * Runs command which (PKI_ROLL_*) for member, waiting at most
	 * timeout_s: its exit status, or -1 when it did not run or finish
	 * (the caller reported why).
	 */
	int		(*run)(void *arg, int which, const char *member,
			    int timeout_s);
	void		*run_arg;
	const struct pki_etcd_ops *ops;		/* NULL: the default */
	void		*ops_arg;
	/*
	 * Optional, for a progress line: called with 0 of total before a
	 * run's first rolling restart, then as each member's is done.
	 */
	void		(*restarted)(void *arg, size_t done, size_t total);
	void		*restarted_arg;
};

/* Calls rc->restarted, if rc and it are set and total is not 0. */
void		 pki_roll_progress(const struct pki_roll_conf *rc,
		    size_t done, size_t total);

/*
 * Checks that the lease outlives every wait of one step (a crashed holder
 * frees the cluster after lock_ttl_s, a live one keeps it through each
 * step): PKI_ERR_ARG "-lock-ttl (Ns) must be longer than ..." otherwise.
 */
int		 pki_roll_conf_check(const struct pki_roll_conf *rc,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * A node's own way to its cluster (-restart rolling without -cluster):
 * the endpoints and TLS files of etcdctl there.
 */
struct pki_roll_node {
	char		**endpoints;	/* https URLs, NULL-terminated */
	size_t		  nendpoints;
	const char	 *ca_file;	/* borrowed from the flags or the */
	const char	 *cert_file;	/* environment */
	const char	 *key_file;
};
/*
 * Fills node from the flags -etcd-endpoints (comma-separated; HOST:PORT
 * means https), -etcd-cacert, -etcd-cert, -etcd-key (each may be NULL)
 * and, for what they leave unset, from ETCDCTL_ENDPOINTS, ETCDCTL_CACERT,
 * ETCDCTL_CERT and ETCDCTL_KEY as etcdctl reads them.  PKI_ERR_ARG
 * naming what is missing or an endpoint that is not https.
 */
int		 pki_roll_node_init(struct pki_roll_node *node,
		    const char *endpoints, const char *cacert, const char *cert,
		    const char *key, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_roll_node_clear(struct pki_roll_node *node);

/* What the member must show after its restart. */
struct pki_roll_expect {
	const char		*serial_hex;	/* served on its client and peer
						   ports; NULL: any */
	const struct pki_cert	*trust_ca;	/* it accepts a client
						   certificate of this CA */
	const struct pki_key	*trust_key;
	const struct pki_cert	*distrust_ca;	/* it refuses one of this CA */
	const struct pki_key	*distrust_key;
};

struct pki_roll;

/*
 * For member (a NAME of cl, its set in dir/LEAF): connects with its own
 * certificate, key and trust bundle (LEAF/ca.pem, else dir's) through the
 * other members' client URLs, takes the cluster-wide lock on a lease of
 * rc->lock_ttl_s (PKI_RUN_BUSY at once when another holder has it),
 * checks the gates and moves leadership to the follower furthest ahead
 * when member leads.  Returns PKI_RUN_OK with *out, PKI_RUN_BUSY,
 * PKI_RUN_REFUSED (a gate failed: nothing changed, the lock released) or
 * PKI_RUN_FAILED, having reported through nt (borrowed until
 * pki_roll_end; rc and cl too).
 */
int		 pki_roll_begin(const struct pki_roll_conf *rc,
		    const struct pki_cluster *cl, const char *dir,
		    const char *member, const struct pki_notify *nt,
		    struct pki_roll **out) PKI_MUST_CHECK;
/*
 * The same without a description: the members are those etcd lists,
 * asked through node's endpoints and reached at their first client URLs
 * with node's TLS files; member (the set's certificate CN) must be one
 * of them by name; setdir names the set in messages.  The lock is the
 * same as pki_roll_begin's, so node-mode and cluster-mode runs exclude
 * each other.
 */
int		 pki_roll_begin_node(const struct pki_roll_conf *rc,
		    const struct pki_roll_node *node, const char *setdir,
		    const char *member, const struct pki_notify *nt,
		    struct pki_roll **out) PKI_MUST_CHECK;
/*
 * Inside the session: stops the member, switches set to gen
 * (pki_set_activate; gen NULL: a restart only) and starts it, or switches
 * and restarts it; then waits up to gate_timeout_ms for the gates after
 * the restart (healthy, within max_lag of the leader, every member
 * healthy, want).  When they fail and gen was switched, switches back to
 * the generation current before, restarts again and checks old.  Returns
 * PKI_RUN_OK, PKI_RUN_ROLLED_BACK, PKI_RUN_ROLLBACK_FAILED (the member may
 * be down) or PKI_RUN_FAILED (nothing switched, nothing restarted).
 */
int		 pki_roll_switch(struct pki_roll *s, struct pki_set *set,
		    const char *gen, const struct pki_roll_expect *want,
		    const struct pki_roll_expect *old) PKI_MUST_CHECK;
/*
 * Waits settle_ms (keeping the lease alive), releases the lock, revokes
 * the lease and frees s.  Returns 0, or -1 when the lock had been lost or
 * could not be released (it expires with its lease).
 */
int		 pki_roll_end(struct pki_roll *s) PKI_MUST_CHECK;

/*
 * A client certificate of ca (fresh P-256 key, CN "etcd-pki probe",
 * client auth, 15 minutes, backdated a minute), made for a trust probe
 * and never written.
 */
int		 pki_probe_cert_new(const struct pki_cert *ca,
		    const struct pki_key *cakey, struct pki_cert **cert,
		    struct pki_key **key, struct pki_error *err) PKI_MUST_CHECK;


/* ---- the sets a rollover acts on (pki/targets.c) ---------------------- */

/*
 * The certificate sets renew and rollback act on (and ca rotate, through
 * the directory model): given as certificate paths (path mode) or as a
 * cluster description and its directory (cluster mode), then locked and
 * opened together.
 */
struct pki_targets;

int		 pki_targets_new(struct pki_targets **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Checks the shape of renew's and rollback's arguments: with -cluster
 * (cluster) one DIR and no -csr-json, else at least one CERT, no -member
 * and -csr-json for one CERT only.  Returns 0 or PKI_ERR_ARG (usage).
 */
int		 pki_targets_args_check(int cluster, int member, int csr_json,
		    int nargs, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The password of an encrypted CA key (pw, len bytes; copied, wiped on
 * free), for pki_targets_add_cluster's CA: call it first.
 */
int		 pki_targets_ca_password(struct pki_targets *ts, const char *pw,
		    size_t len, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_targets_free(struct pki_targets *ts);
/*
 * Path mode: adds the set of certpath, D/NAME.pem or D/current/NAME.pem
 * (the set of D), signed under profile p (borrowed; may be NULL when
 * nothing is signed).  Its CSR JSON is csr_json or, when NULL, D/NAME-
 * csr.json if it exists, parsed with po.  PKI_ERR_ARG: certpath is not a
 * certificate path NAME.pem, or the set is given twice.  A CSR JSON that
 * cannot be read or parsed is an error, but the set stays added.
 */
int		 pki_targets_add_path(struct pki_targets *ts,
		    const char *certpath, const char *csr_json,
		    const struct pki_parse_opts *po,
		    const struct pki_profile *p, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * Path mode: the signing CA and its key (borrowed: they must outlive
 * ts); capath, read here, is the trust bundle of a set whose directory
 * has no ca.pem.
 */
int		 pki_targets_set_signer(struct pki_targets *ts,
		    const struct pki_cert *ca, const struct pki_key *cakey,
		    const char *capath, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Remote signing instead of a local CA (path and cluster mode; call it
 * before pki_targets_add_cluster, which then loads the cluster's CA
 * certificate without its key): every leaf is signed through r
 * (borrowed: it must outlive ts) as gencert signs through it, with
 * profile (NULL: in path mode the default "", in cluster mode each
 * member's profile name) and label (NULL: none).  capath (may be NULL)
 * is the CA the answers must come from and the trust bundle of a set
 * whose directory has no ca.pem; without it a set's own ca.pem pins
 * (one certificate), else the server's /info certificate.  A key file
 * (file:PATH) is read from the systemd credential PKI_AUTH_KEY_CRED
 * instead when $CREDENTIALS_DIRECTORY holds it (schedule's units).
 */
int		 pki_targets_set_remote(struct pki_targets *ts,
		    const struct pki_remote *r, const char *profile,
		    const char *label, const char *capath,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * Cluster mode: every leaf of cl (borrowed) under dir, or only member's
 * (PKI_ERR_ARG "-member M: no such member or client in DESC", desc
 * naming the description).  With signer, also loads the CA of the
 * directory model, warning through nt about a readable key file.
 */
int		 pki_targets_add_cluster(struct pki_targets *ts,
		    const struct pki_cluster *cl, const char *desc,
		    const char *dir, const char *member, int signer,
		    const struct pki_notify *nt, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * Locks every directory (pki_dir_lock; in cluster mode DIR first, shared
 * when one member is asked for) and opens each set.  PKI_ERR_BUSY
 * ("deferred: ...") when another run holds a lock.
 */
int		 pki_targets_lock(struct pki_targets *ts, struct pki_error *err)
		    PKI_MUST_CHECK;
/* The number of sets added. */
size_t		 pki_targets_count(const struct pki_targets *ts);

/* ---- renew (pki/renew.c) ------------------------------------------------ */

/* A set renewed and active, for the deploy hook. */
struct pki_renewed {
	const char	*name;		/* NAME */
	const char	*label;
	const char	*cert;		/* DIR/NAME.pem as configured */
	const char	*dir;
	const char	*generation;	/* "gen/...", or "" (fixed layout) */
	const char	*old_serial;	/* decimal */
	const char	*new_serial;
	int		 rekeyed;
};

/*
 * The caller's commands, run when the engine calls for them (each may be
 * NULL).  pre: before any renewal, with the NAMEs about to be renewed
 * ("a b"); non-zero stops the run (nothing renewed).  stop and start:
 * around the switch of a new key (non-zero: failed).  deploy: after each
 * renewal.  restart: once after the renewals (non-zero: failed).  post:
 * at the end, with the NAMEs renewed and failed and the outcome.  Each
 * reports its own failures.
 */
struct pki_renew_hooks {
	void	*arg;
	int	(*pre)(void *arg, const char *due);
	int	(*stop)(void *arg);
	int	(*start)(void *arg);
	void	(*deploy)(void *arg, const struct pki_renewed *d);
	int	(*restart)(void *arg);
	void	(*post)(void *arg, const char *renewed, const char *failed,
		    int outcome);
};

/* What renew did to one set (pki_renew_opts.result). */
struct pki_renew_result {
	const char	*name;		/* NAME */
	const char	*label;
	const char	*cert;		/* DIR/NAME.pem as configured */
	int		 status;	/* PKI_RUN_* of the set */
	int		 due;		/* due (or -force) */
	int		 examined;	/* its certificate was read */
	int64_t		 renew_at;	/* when examined */
	int64_t		 not_after;	/* the current certificate's */
	const char	*serial;	/* decimal, "" when not examined */
	const char	*new_serial;	/* "" unless renewed (or would be) */
	const char	*generation;	/* the new "gen/...", or "" */
	int		 dry_run;
};

struct pki_renew_opts {
	struct pki_renew_policy	 policy;
	time_t			 now;
	int			 force;		/* renew what is not due, and
						   accept an earlier end */
	int			 allow_san_change;
	int			 rekey;
	int			 replace_key;	/* with rekey: renew a set whose
						   key does not match its
						   certificate */
	int			 dry_run;	/* write into a scratch
						   directory only */
	int			 no_sync;
	int			 layout;	/* -1: as found, else
						   PKI_LAYOUT_* */
	long			 keep;		/* generations kept by prune */
	struct pki_owner	 owner;		/* -owner, -mode: a new key's,
						   before the description's */
	const struct pki_roll_conf *rolling;	/* restart each member in a
						   rolling session, or NULL */
	const struct pki_roll_node *node;	/* path mode with rolling:
						   the node's etcdctl
						   settings */
	/*
	 * The strictness policy of what is signed (pki_policy_issue(); its
	 * warnings name the set); NULL: the defaults.
	 */
	const struct pki_parse_opts *sign_policy;
	struct pki_renew_hooks	 hooks;
	struct pki_notify	 nt;
	/* Each set's outcome at the end of the run, in order; may be NULL. */
	void			(*result)(void *arg,
				    const struct pki_renew_result *res);
	/*
	 * As the sets due are renewed: done of total, before the first
	 * and after each; may be NULL.
	 */
	void			(*progress)(void *arg, size_t done,
				    size_t total);
	void			*result_arg;	/* of result and progress */
};

/*
 * Renews every set of ts (locked) that is due: examines each (due at
 * policy, now; key; drift from its CSR JSON), signs it anew, verifies the
 * result before it is written (the pair matches, the chain verifies
 * against the bundle the set trusts, SANs and subject are the CSR JSON's,
 * no extended key usage lost, valid now, ending no earlier unless force),
 * stages it as a new generation (converting a fixed set unless layout
 * says fixed) with meta.json, activates it (in a rolling session for a
 * member with rolling) or discards it, prunes old generations; the fixed
 * layout replaces the files keeping *.bak.  Returns the worst PKI_RUN_*
 * outcome of the sets (and PKI_RUN_FAILED when restart failed).
 */
int		 pki_renew_run(struct pki_targets *ts,
		    const struct pki_renew_opts *o) PKI_MUST_CHECK;

/* renew's -restart (pki_renew_flags). */
#define PKI_RESTART_UNSET	-1
#define PKI_RESTART_NONE	0	/* certificates swapped under a
					   running member */
#define PKI_RESTART_ROLLING	1	/* a rolling restart */

/* What renew was given that decides how members are restarted (0 or 1). */
struct pki_renew_flags {
	int	restart;	/* PKI_RESTART_* */
	int	cluster;	/* -cluster */
	int	layout;		/* -1, or PKI_LAYOUT_* */
	int	rekey;
	int	replace_key;	/* -replace-key */
	int	restart_cmd;	/* -restart-cmd */
	int	stop_cmd;	/* -stop-cmd */
	int	start_cmd;	/* -start-cmd */
	int	rolling_only;	/* -gate-timeout, -settle, -lock-ttl,
				   -max-lag or -record */
};

/*
 * Checks that f goes together and is safe: -replace-key needs -rekey;
 * a rolling restart needs a
 * cluster and generations; -restart none neither a restart command nor
 * a new key; the rolling flags need a rolling restart; -stop-cmd and
 * -start-cmd go together and only with -rekey; a new key needs a
 * restart (with -layout fixed, a stop).  *rolling is 1 for a rolling
 * restart (the commands are then its session's).  PKI_ERR_ARG says why
 * not.
 */
int		 pki_renew_flags_check(const struct pki_renew_flags *f,
		    int *rolling, struct pki_error *err) PKI_MUST_CHECK;

/* ---- rollback (pki/rollback.c) ------------------------------------------ */

struct pki_rollback_opts {
	const char		*to;	/* a generation ("gen/X" or "X"), or
					   NULL: the one before current */
	int			 force;	/* allow another key without restart */
	int			 no_sync;
	/* Run after anything was rolled back (non-zero: failed); with it,
	 * a generation with another key is allowed. */
	int			(*restart)(void *arg);
	void			*arg;
	struct pki_notify	 nt;
};

/*
 * Refuses to (PKI_ERR_ARG) when to is set and a set of ts (locked) has
 * the fixed layout.
 */
int		 pki_rollback_check(const struct pki_targets *ts,
		    const char *to, struct pki_error *err) PKI_MUST_CHECK;
/*
 * Switches every set of ts back: "current" to the generation before it
 * (or to), after checking that its key matches its certificate and, when
 * the key changes, that a restart follows (or force); in the fixed
 * layout, puts the *.bak files back.  Returns PKI_RUN_OK, PKI_RUN_REFUSED
 * (nothing to roll back to, a check failed) or PKI_RUN_FAILED.
 */
int		 pki_rollback_run(struct pki_targets *ts,
		    const struct pki_rollback_opts *o) PKI_MUST_CHECK;


/* ---- removing and renaming files (pki/file.c) ---------------------------- */

/*
 * Removes each of the n files (a missing one is no error), in order,
 * then fsyncs their directories.  PKI_ERR_IO (sys_errno set) names the
 * first that could not be removed; those before it are gone.
 */
int		 pki_file_remove(const char *const *paths, size_t n,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Renames from to to (rename(2): atomic in one file system), then fsyncs
 * to's directory. */
int		 pki_file_rename(const char *from, const char *to,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * A trial of pki_file_write_set(): writes the files, under their base
 * names, into a new scratch directory in $TMPDIR (or /tmp), reads each
 * back (PKI_ERR_MISMATCH "PATH: read back differs" when it differs), then
 * removes the directory.
 */
int		 pki_file_write_trial(const struct pki_file *files, size_t n,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- CA rotation (pki/rotstate.c, pki/carotate.c) ---------------------- */

/*
 * A cluster's CA replaced by a new one in three phases (rollover.md 8.9):
 * add-trust (every bundle holds the old and the new CA, members
 * restarted), reissue (the new CA signs, every leaf re-signed) and
 * drop-old (bundles hold the new CA only, the old one retired).  The
 * phase is derived from the files of the cluster directory and TLS
 * probes of the members, never from a progress file, so a rerun resumes
 * where a run stopped.
 */
#define PKI_ROT_IDLE		0
#define PKI_ROT_ADD_TRUST	1
#define PKI_ROT_REISSUE		2
#define PKI_ROT_DROP_OLD	3
#define PKI_ROT_INVALID		4	/* ca-next and ca-prev both exist */

/* "idle", "add-trust", "reissue", "drop-old" or "invalid". */
const char	*pki_rot_phase_name(int phase);

struct pki_rotation;

struct pki_rot_opts {
	const char		*member;	/* act on this NAME only (the
						   phase depends on all) */
	int			 lock;		/* lock DIR and every leaf
						   directory (ca rotate) */
	int			 probe_timeout_ms;	/* <= 0: 5 s */
	time_t			 now;		/* 0: the current time */
	const struct pki_etcd_ops *ops;		/* the probes; NULL: default */
	void			*ops_arg;
	const char		*ca_key_password;	/* an encrypted CA key's
							   (the next CA's key is
							   then encrypted too) */
	size_t			 ca_key_passwordlen;
	/*
	 * The strictness policy of the new CA and the leaves -phase reissue
	 * signs (see pki_renew_opts); NULL: the defaults.
	 */
	const struct pki_parse_opts *sign_policy;
	struct pki_notify	 nt;
	/*
	 * -phase reissue: done of total leaves re-signed, with nt.arg,
	 * before the first and after each; may be NULL.
	 */
	void			(*progress)(void *arg, size_t done,
				    size_t total);
};

/*
 * Reads the rotation state of cl's directory dir (desc names the
 * description in messages): its CAs, every leaf's bundle and
 * certificate.  Returns PKI_OK with *out, PKI_ERR_ARG (an external CA,
 * an unknown member), PKI_ERR_BUSY (a lock is held) or another error,
 * each noted through o->nt (copied).
 */
int		 pki_rot_open(const struct pki_cluster *cl, const char *desc,
		    const char *dir, const struct pki_rot_opts *o,
		    struct pki_rotation **out) PKI_MUST_CHECK;
void		 pki_rot_free(struct pki_rotation *ro);
/*
 * Runs phase (PKI_ROT_ADD_TRUST, PKI_ROT_REISSUE or PKI_ROT_DROP_OLD),
 * first finishing a switch to the new CA an earlier run left half done.
 * Members are restarted one at a time in rolling sessions, or, with
 * rolling NULL, only listed.  Returns PKI_RUN_OK (the phase was
 * complete), PKI_RUN_CHANGED, PKI_RUN_REFUSED (not this phase yet),
 * PKI_RUN_BUSY, PKI_RUN_ROLLED_BACK, PKI_RUN_ROLLBACK_FAILED or
 * PKI_RUN_FAILED.
 */
int		 pki_rot_run(struct pki_rotation *ro, int phase,
		    const struct pki_roll_conf *rolling) PKI_MUST_CHECK;

/* The model "ca status" prints: one CA of the directory. */
struct pki_rot_ca_status {
	int		 present;
	const char	*path;
	const char	*serial;	/* decimal */
	const char	*subject;
	int64_t		 not_after;
	int		 has_key;
};

/* One member or client; words are "ca", "old", "new" or "other", NULL
 * when unknown (not probed, unreachable, missing). */
struct pki_rot_leaf_status {
	const char	*name;
	const char	*label;
	int		 member;
	char		 bundle[64];	/* "old+new", "new (DIR/ca.pem)", ... */
	const char	*leaf;		/* issuer of the leaf on disk */
	const char	*served_client;	/* issuer of what it serves */
	const char	*served_peer;
	int		 trusts_new;	/* accepts clients of the new CA: 1, 0,
					   or -1 unknown */
	int		 trusts_old;
	const char	*error;		/* why it could not be probed, or
					   NULL */
};

struct pki_rot_status {
	int				 phase;		/* PKI_ROT_* */
	int				 verified;	/* all probed */
	time_t				 now;
	struct pki_rot_ca_status	 ca[3];		/* PKI_CA_CUR, NEXT,
							   PREV */
	struct pki_rot_leaf_status	*leaves;	/* members, clients */
	size_t				 n;
};

/*
 * Probes every member (what it serves, which CAs' client certificates
 * it accepts) and fills st; the pointers in st are ro's.
 */
int		 pki_rot_status(struct pki_rotation *ro,
		    struct pki_rot_status *st) PKI_MUST_CHECK;
void		 pki_rot_status_clear(struct pki_rot_status *st);
/*
 * st as ca status's -o json document (version 1: generated, phase,
 * verified, ca, next, prev, members, clients); *out is a new reference.
 */
int		 pki_rot_status_json(const struct pki_rot_status *st,
		    struct json_t **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * st as "ca status" prints it: the phase, the CA files, a table of the
 * members (bundle, leaf, what they serve and trust) and one of the
 * clients.  *out is malloc'ed.
 */
int		 pki_rot_status_text(const struct pki_rot_status *st,
		    char **out, struct pki_error *err) PKI_MUST_CHECK;


/* ---- ca renew's copies of the CA (pki/carenew.c) ----------------------- */

/* A renewed CA certificate and where it goes. */
struct pki_ca_renew {
	const char		*capath;	/* the CA file, replaced in
						   place (previous copy in
						   FILE.bak) */
	mode_t			 mode;		/* its mode */
	const char		*oldpem;	/* its contents */
	size_t			 oldlen;
	const char		*out;		/* or: NAME, writes NAME.pem */
	const char		*newpem;	/* the renewed certificate */
	size_t			 newlen;
	const struct pki_key	*key;		/* the CA's key: a copy of the
						   CA is a CA certificate for
						   it */
	const struct pki_cluster *cl;		/* cluster mode, or NULL */
	const char		*dir;		/* cluster mode: DIR */
	const char		*line;		/* the text noted for every file
						   written */
	struct pki_notify	 nt;
};

/*
 * Writes the renewed CA: NAME.pem, or in place with FILE.bak; in cluster
 * mode (DIR locked) also DIR/ca.pem when the CA is external and every
 * member's and client's copy of the CA (a bundle or another CA is left
 * alone with a warning): plain copies in the same pki_file_write_set()
 * set as FILE, a generations set as a new generation.  Returns PKI_OK or
 * an error, noted.
 */
int		 pki_ca_renew_write(const struct pki_ca_renew *cr)
		    PKI_MUST_CHECK;

/* ---- a CA re-signed with its key (pki/renewca.c) ---------------------- */

/*
 * gencert -renewca and ca renew: ca re-signed with its own key (which the
 * caller has checked matches), same subject and extensions, a new serial,
 * valid for expiry ns or, when expiry <= 0, for ca's own validity length;
 * out as pki_ca_issue fills it with objects (out->x509).  source names ca
 * in messages.  po (may be NULL) is the strictness policy the result is
 * checked against (pki_policy_issue: its warnings, -strict, the backdate
 * cut of a short validity), which calls ca's own validity "SOURCE:
 * validity".
 */
int		 pki_ca_resign(const struct pki_cert *ca,
		    const struct pki_key *key, const char *source,
		    int64_t expiry, const struct pki_parse_opts *po,
		    struct pki_issued *out, struct pki_error *err)
		    PKI_MUST_CHECK;
/*
 * The file ca renew replaces in place for -ca spec: a plain path
 * (file:PATH taken as PATH unless a file of that very name exists) to a
 * regular file, not a symbolic link, which would be replaced by a file;
 * *path points into spec, *mode is its mode.  PKI_ERR_ARG for "-" and
 * env:VAR (a usage error), PKI_ERR_IO, PKI_ERR_INPUT not a regular file.
 */
/*
 * ca renew's arguments: with -cluster (cluster) one DIR and no -ca,
 * -ca-key or -o (out), else no argument (arg0 the first) and both -ca
 * and -ca-key.  Returns 0 or PKI_ERR_ARG (a usage error).
 */
int		 pki_ca_renew_args(int cluster, int ca, int cakey, int out,
		    int nargs, const char *arg0, struct pki_error *err)
		    PKI_MUST_CHECK;
int		 pki_ca_renew_inplace(const char *spec, const char **path,
		    mode_t *mode, struct pki_error *err) PKI_MUST_CHECK;
/*
 * The line ca renew notes for the renewed CA (serials and ends, old ->
 * new, and that members must restart), into line; PKI_ERR_ARG when
 * renewed would already have expired at now.
 */
int		 pki_ca_renew_line(const struct pki_cert *old,
		    const struct pki_cert *renewed, time_t now, char *line,
		    size_t len, struct pki_error *err) PKI_MUST_CHECK;

/* ---- the inventory: every certificate of a cluster (pki/inventory.c) --- */

/*
 * An SQLite database (the only file that links SQLite) in the schema of
 * cfssl's certdb, so that "cfssl serve -db-config", "cfssl revoke",
 * "cfssl ocsprefresh" and "cfssl crl" use the same file: table
 * certificates (serial_number decimal, authority_key_identifier lower-case
 * hex, ca_label, status "good" or "revoked", reason, expiry, revoked_at,
 * pem, and master's issued_at, not_before, metadata, sans, common_name),
 * table ocsp_responses; and etcd-pki's own tables: etcd_pki_certificates
 * (what each certificate is: kind, member or client name, directory,
 * subject, SANs, dates, which command issued it), etcd_pki_crls (every
 * CRL signed: number, dates, entries, DER) and etcd_pki_meta (the schema
 * version).  A cluster's is DIR/inventory.db (etcd-pki-cluster(5)).
 */
struct pki_inventory;

#define PKI_INV_CREATE		0x1	/* create the file and the tables */
#define PKI_INV_NO_SYNC		0x2	/* PRAGMA synchronous=OFF (fixtures) */
#define PKI_INV_CFSSL		0x4	/* any cfssl certdb: etcd-pki's tables
					   not required (revoke -db-config) */
#define PKI_INV_SCRATCH		0x8	/* with PKI_INV_CREATE: a new file
					   nobody else uses until the caller
					   puts it in place (a file set's
					   PKI_FILE_PREPARED): no rollback
					   journal, no syncs, a small cache */

/*
 * Opens the database at path (a regular file, no symbolic link; made,
 * with every table, under PKI_INV_CREATE).  A database of a newer
 * etcd-pki schema, or without the tables (unless PKI_INV_CFSSL), is
 * refused.  Waits up to 10 s for another writer.
 */
int		 pki_inventory_open(const char *path, int flags,
		    struct pki_inventory **out, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_inventory_close(struct pki_inventory *inv);
/*
 * Opens the database a cfssl -db-config file names (buf, len bytes;
 * source names it): {"driver": "sqlite3", "data_source": PATH}, PATH
 * relative to the working directory, as cfssl takes it, without the
 * "file:" prefix and "?options" of go-sqlite3's DSN.  Other drivers
 * (postgres, mysql) are PKI_ERR_UNSUPPORTED.  Unknown keys warn through
 * opts; flags as pki_inventory_open's.
 */
int		 pki_inventory_open_dbconfig(const char *buf, size_t len,
		    const char *source, const struct pki_parse_opts *opts,
		    int flags, struct pki_inventory **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * With path NULL, pki_inventory_open() makes a new database in memory,
 * whose file contents pki_inventory_bytes() gives.  *buf is SQLite's own
 * image of the database, not a copy: valid until inv is changed or
 * closed.  (cluster issue builds a new inventory in a file instead:
 * PKI_INV_SCRATCH.)
 */
int		 pki_inventory_bytes(struct pki_inventory *inv,
		    const char **buf, size_t *len,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * Transactions: begin takes the write lock at once (BEGIN IMMEDIATE), so
 * that what is read inside stays true until commit; rollback accepts a
 * database with no transaction open.
 */
int		 pki_inventory_begin(struct pki_inventory *inv,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_inventory_commit(struct pki_inventory *inv,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_inventory_rollback(struct pki_inventory *inv);

/* What a certificate is to the cluster. */
#define PKI_INV_OTHER	0	/* a row etcd-pki did not write (cfssl's) */
#define PKI_INV_MEMBER	1
#define PKI_INV_CLIENT	2
#define PKI_INV_CA	3

/* "member", "client", "ca" or "other". */
const char	*pki_inventory_kind_name(int kind);

/* A certificate to record (everything borrowed). */
struct pki_inv_add {
	const char	*pem;		/* the certificate */
	size_t		 len;
	int		 kind;		/* PKI_INV_MEMBER, _CLIENT or _CA */
	const char	*name;		/* NAME of the member or client; "ca" */
	const char	*leaf;		/* its directory under DIR ("etcd1",
					   "clients/admin"); "" for a CA */
	const char	*origin;	/* "cluster issue", "renew", ... */
};

/*
 * Records n certificates issued at now, in one transaction (the caller's
 * when one is open); one already there (serial and AKI) is left as it
 * is.  *added (may be NULL) counts
 * those recorded now.
 */
int		 pki_inventory_add(struct pki_inventory *inv,
		    const struct pki_inv_add *v, size_t n, int64_t now,
		    size_t *added, struct pki_error *err) PKI_MUST_CHECK;

/* A certificate as recorded. */
struct pki_inv_cert {
	char		 serial[64];	/* decimal */
	char		 aki[129];	/* lower-case hex, "" when unknown */
	int		 kind;		/* PKI_INV_* */
	char		*name;		/* "" for PKI_INV_OTHER */
	char		*leaf;
	char		*subject;	/* "CN=etcd1,O=x" */
	char		*sans;		/* "DNS:etcd1, IP:10.0.0.1" */
	char		*origin;
	char		*pem;
	int64_t		 not_before;
	int64_t		 not_after;
	int64_t		 issued_at;	/* 0: unknown */
	int		 revoked;
	int64_t		 revoked_at;
	int		 reason;	/* PKI_REASON_* as recorded */
};

/* Which certificates pki_inventory_list() returns (zeroed: all). */
struct pki_inv_query {
	const char	*name;		/* this NAME only (kind member, client
					   or ca) */
	const char	*serial;	/* this serial only (decimal) */
	int		 revoked;	/* 1: revoked ones only; -1: not
					   revoked ones only */
	int64_t		 valid_at;	/* > 0: not expired at this time */
};

/*
 * The certificates q asks for, oldest first; *v (n entries) is freed with
 * pki_inventory_list_free().
 */
int		 pki_inventory_list(struct pki_inventory *inv,
		    const struct pki_inv_query *q, struct pki_inv_cert **v,
		    size_t *n, struct pki_error *err) PKI_MUST_CHECK;
void		 pki_inventory_list_free(struct pki_inv_cert *v, size_t n);
/*
 * The line "cluster inventory" prints for c at now (kind, name, serial,
 * expiry, status, origin, subject, SANs), or with c NULL its header; cut
 * to len - 1 bytes.
 */
void		 pki_inv_cert_text(const struct pki_inv_cert *c, time_t now,
		    char *buf, size_t len);

#define PKI_INV_KEEP_DATE	0x1	/* an already revoked certificate
					   keeps its date (its reason is
					   updated) */
/*
 * Marks serial (with AKI aki; NULL: whatever its AKI) revoked at when for
 * reason, as cfssl revoke does (status "revoked", revoked_at, reason).
 * *n receives the number of rows changed (0: not found).
 */
int		 pki_inventory_revoke(struct pki_inventory *inv,
		    const char *serial, const char *aki, int reason,
		    int64_t when, int flags, size_t *n, struct pki_error *err)
		    PKI_MUST_CHECK;

/*
 * The entries of a CRL at now: every certificate recorded revoked and not
 * expired, oldest revocation first (a reason cfssl recorded that a CRL
 * cannot carry: 7 is written without a reason code, removeFromCRL leaves
 * the certificate out).  *v is malloc'ed.
 */
int		 pki_inventory_revoked(struct pki_inventory *inv, int64_t now,
		    struct pki_crl_entry **v, size_t *n, struct pki_error *err)
		    PKI_MUST_CHECK;

/* The next CRL Number: one more than any recorded, at least 1. */
int		 pki_inventory_crl_number(struct pki_inventory *inv,
		    char *number, size_t size, struct pki_error *err)
		    PKI_MUST_CHECK;
/* Records a CRL just signed (its DER). */
int		 pki_inventory_crl_add(struct pki_inventory *inv,
		    const struct pki_crl_info *info, const char *der,
		    size_t len, struct pki_error *err) PKI_MUST_CHECK;

/*
 * The one place every path that issues in cluster mode records what it
 * issued: opens DIR/inventory.db (creating it), adds v as issued now,
 * closes it.  *added as pki_inventory_add's.
 */
int		 pki_inventory_record(const char *dir,
		    const struct pki_inv_add *v, size_t n, int64_t now,
		    int no_sync, size_t *added, struct pki_error *err)
		    PKI_MUST_CHECK;

/* ---- a cluster's inventory, revocations and CRL (pki/clcrl.c) --------- */

/*
 * The files of a cluster directory DIR besides those of pki_cldir_*:
 *   DIR/inventory.db     the inventory (pki_inventory_*) of every
 *                        certificate issued in cluster mode
 *   DIR/db-config.json   cfssl's -db-config naming it
 *   DIR/crl.der, crl.pem the CRL, signed by the cluster CA; a copy of
 *                        both beside each member's trust bundle
 *                        (DIR/MEMBER/crl.der, crl.pem), which the
 *                        member's etcd.env names (ETCD_CLIENT_CRL_FILE,
 *                        ETCD_PEER_CRL_FILE)
 */
#define PKI_CLDIR_INVENTORY	"inventory.db"
#define PKI_CLDIR_DBCONFIG	"db-config.json"
#define PKI_CLDIR_CRL_DER	"crl.der"
#define PKI_CLDIR_CRL_PEM	"crl.pem"

/* Opens DIR/inventory.db (flags: PKI_INV_CREATE, PKI_INV_NO_SYNC). */
int		 pki_cluster_inventory(const char *dir, int flags,
		    struct pki_inventory **out, struct pki_error *err)
		    PKI_MUST_CHECK;

/* The CRL a cluster directory holds, or is to hold. */
struct pki_cluster_crl {
	char			*der;		/* malloc'ed */
	size_t			 derlen;
	char			*pem;		/* malloc'ed */
	size_t			 pemlen;
	struct pki_crl_info	 info;
	int			 changed;	/* signed now: DIR/crl.der is
						   to be replaced */
	char			 why[448];	/* why it was signed, or "" */
};

/*
 * The CRL DIR needs at now: DIR/crl.der as it is, unless it is missing,
 * unreadable, not signed by ca, does not list exactly the certificates
 * inv records as revoked (and not expired), its nextUpdate has passed,
 * policy (may be NULL) says it is due (its lifetime as a certificate's),
 * or force; then a new one, numbered after every CRL inv recorded, valid
 * for the description's signing.crl_expiry, is signed with cakey and
 * recorded in inv (within the caller's transaction, if any).  Clear *out
 * with pki_cluster_crl_clear().
 */
int		 pki_cluster_crl_make(struct pki_inventory *inv,
		    const struct pki_cluster *cl, const char *dir,
		    const struct pki_cert *ca, const struct pki_key *cakey,
		    int64_t now, const struct pki_renew_policy *policy,
		    int force, struct pki_cluster_crl *out,
		    struct pki_error *err) PKI_MUST_CHECK;
void		 pki_cluster_crl_clear(struct pki_cluster_crl *c);

/* How pki_cluster_crl_publish() and pki_cluster_revoke() run. */
struct pki_crl_opts {
	time_t				 now;		/* 0: now */
	int				 force;		/* re-sign even when
							   nothing changed */
	int				 dry_run;	/* say what would be
							   done */
	int				 create;	/* make DIR/crl.der when
							   there is none */
	int				 no_sync;
	const struct pki_renew_policy	*policy;	/* when a CRL is due;
							   NULL: the default */
	const char			*ca_key_password;	/* of an
							   encrypted CA key
							   loaded here, or
							   NULL */
	struct pki_notify		 nt;
};

/*
 * Brings DIR's CRL up to date (pki_cluster_crl_make, then its files
 * written with pki_file_write_set_hook, the inventory's transaction
 * committed as its last step: the CRL is recorded if and only if its
 * files are written; DIR/crl.der, crl.pem and, with fragments, the copies
 * in every member directory, each atomically), signed by ca and
 * cakey (NULL: DIR's CA, loaded here).  Without DIR/crl.der and without
 * o->create there is nothing to do (CRLs are not in use).  The caller
 * holds DIR's lock, shared at least.  Returns PKI_RUN_OK (nothing to do),
 * PKI_RUN_CHANGED (re-signed, or copies rewritten) or PKI_RUN_FAILED,
 * noted through o->nt.
 */
int		 pki_cluster_crl_publish(const struct pki_cluster *cl,
		    const char *dir, const struct pki_cert *ca,
		    const struct pki_key *cakey, const struct pki_crl_opts *o)
		    PKI_MUST_CHECK;

/*
 * What DIR's CRL is at now into *st: present when DIR has an inventory
 * or a CRL; then DIR/crl.der missing, unreadable or read (info), whether
 * DIR's CA signed it, and whether it lists exactly the certificates the
 * inventory records as revoked and not expired.  An inventory that
 * cannot be read (or SQLite not loaded) makes the state unreadable, with
 * its reason; the only error is running out of memory.  Clear *st with
 * pki_cluster_crl_state_clear().
 */
int		 pki_cluster_crl_state(const struct pki_cluster *cl,
		    const char *dir, int64_t now,
		    struct pki_cluster_crl_state *st, struct pki_error *err)
		    PKI_MUST_CHECK;
void		 pki_cluster_crl_state_clear(struct pki_cluster_crl_state *st);

/*
 * Records as found by origin, in inv, the certificates of cl's leaves
 * and of DIR's CA that inv does not hold yet (a directory issued before
 * the inventory existed).  *added (may be NULL) counts them.
 */
int		 pki_cluster_record_found(struct pki_inventory *inv,
		    const struct pki_cluster *cl, const char *dir, int64_t now,
		    const char *origin, size_t *added, struct pki_error *err)
		    PKI_MUST_CHECK;

/*
 * Revokes, for reason (PKI_REASON_NONE: none given, which is
 * unspecified for a certificate not revoked yet), what names: a decimal
 * serial number (or hex, as etcd logs it: 0x... or with colons), or a
 * member's or client's NAME
 * (every certificate the inventory records for it, current or not, that
 * is neither revoked nor expired; NAME need not be in cl any more), then
 * publishes the CRL (pki_cluster_crl_publish, created if missing), all
 * with DIR's lock held.  A certificate already revoked keeps its date
 * (and its reason, unless another is given).
 * Returns PKI_RUN_CHANGED, PKI_RUN_OK (nothing left to revoke; the CRL
 * is still brought up to date), PKI_RUN_REFUSED (nothing by that name or
 * serial, or a CA), PKI_RUN_BUSY or PKI_RUN_FAILED, noted through o->nt.
 */
int		 pki_cluster_revoke(const struct pki_cluster *cl,
		    const char *dir, const char *what, int reason,
		    const struct pki_crl_opts *o) PKI_MUST_CHECK;

/* ---- membership changes (pki/member.c) ------------------------------- */

/* What member add and member remove are given. */
struct pki_member_opts {
	const char		*desc;		/* the description's file */
	const char		*dir;		/* its output directory */
	const char		*name;		/* the member added or removed */
	/*
	 * add: the new member's hosts (IPs and DNS names) and URLs, each
	 * comma-separated as -hostname is; no URL: https://IP:2380 (peer)
	 * and https://IP:2379 (client) with its first IP.
	 */
	const char		*hosts;
	const char		*peer_urls;	/* or NULL */
	const char		*client_urls;	/* or NULL */
	const char		*data_dir;	/* or NULL */
	const char		*cn;		/* client add: its CN, or NULL
						   (the name) */
	int			 learner;	/* add it as a learner, then
						   promote it */
	long			 gate_timeout_ms;	/* each wait (health,
						   promotion); <= 0: 120 s */
	/*
	 * add: runs the start command (which PKI_ROLL_START, as
	 * pki_roll_conf.run: its exit status, or -1 when it did not run);
	 * NULL: the caller starts the member later.
	 */
	int			(*run)(void *arg, int which, const char *member,
				    int timeout_s);
	void			*run_arg;
	const struct pki_parse_opts *po;	/* parsing the description */
	int			 no_sync;
	const struct pki_etcd_ops *ops;		/* NULL: the default */
	void			*ops_arg;
	struct pki_notify	 nt;		/* steps, results, errors */
};

/*
 * Adds member o->name to the cluster of o->desc (DIR o->dir): refuses
 * (PKI_RUN_REFUSED, nothing changed) when the name, a host or a URL is
 * the description's already, when etcd's members and the description's
 * differ, when a member is not healthy, or when a learner is added while
 * etcd has one.  Then writes the description with the member
 * (initial_cluster_state "existing"; atomically), renews every existing
 * member's certificate with the new SANs (same key: no restart), issues
 * the new member's set (cluster issue), adds it through etcd's API (as a
 * learner with o->learner) and, with o->run, starts it, waits for its
 * health and promotes it (retrying while it catches up); without, notes
 * the steps left.  A failure before etcd's API call puts the description
 * back, and so does etcd refusing the member.  Returns PKI_RUN_OK (done),
 * PKI_RUN_REFUSED or PKI_RUN_FAILED.
 */
int		 pki_member_add(const struct pki_member_opts *o) PKI_MUST_CHECK;
/*
 * Removes member o->name: refuses (PKI_RUN_REFUSED) when it is the last
 * member or the last voter, or when the healthy voters left would not
 * make a quorum; moves leadership away from it; removes it through
 * etcd's API; writes the description without it; revokes its
 * certificates (cessationOfOperation) and publishes the CRL to every
 * member left; moves DIR/NAME to DIR/removed/NAME.<UTC time> without its
 * private keys (deleted); renews the others' certificates without its
 * SANs and rewrites their fragments (cluster issue).  A member etcd no
 * longer lists is only taken out of the PKI.  Returns PKI_RUN_OK (done),
 * PKI_RUN_REFUSED or PKI_RUN_FAILED.
 */
int		 pki_member_remove(const struct pki_member_opts *o)
		    PKI_MUST_CHECK;
/*
 * Adds client o->name (CN o->cn) to the description (refused when a
 * member or client has that name) and issues its set with cluster
 * issue: its certificate, etcdctl.env and, with fragments,
 * kube-apiserver.flags.  Returns PKI_RUN_OK, PKI_RUN_REFUSED or
 * PKI_RUN_FAILED.
 */
int		 pki_client_add(const struct pki_member_opts *o) PKI_MUST_CHECK;
/*
 * Removes client o->name from the description, revokes its certificates
 * (cessationOfOperation), publishes the CRL and moves DIR/clients/NAME to
 * DIR/removed/NAME.<UTC time> without its private keys.  Returns
 * PKI_RUN_OK, PKI_RUN_REFUSED or PKI_RUN_FAILED.
 */
int		 pki_client_remove(const struct pki_member_opts *o)
		    PKI_MUST_CHECK;

/* ---- run documents: -format json (pki/rundoc.c) --------------------- */

/*
 * One JSON document per run of cluster issue, cluster verify, renew,
 * needs-renewal, check and the commands below, version PKI_DOC_VERSION,
 * keys in a fixed order (schemas/NAME.schema.json, etcd-pki(1), "JSON output").  Each *_new
 * returns a new reference in *out with every key present; the others
 * add to a borrowed doc.  Return 0 or PKI_ERR_ALLOC.
 */
#define PKI_DOC_VERSION	1

/* {"version","command":"cluster issue","dir","ok","error","counts","files"} */
int		 pki_doc_issue_new(const char *dir, struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Adds one file of cluster issue to "files" and counts it. */
int		 pki_doc_issue_event(struct json_t *doc,
		    const struct pki_issue_event *ev,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * The line cluster issue prints for ev ("new       m1/m1.pem  CN=m1
 * expires DATE  SANs: ..."), cut to len - 1 bytes.
 */
void		 pki_issue_event_text(const struct pki_issue_event *ev,
		    char *buf, size_t len);
/* {"version","command":"cluster verify","dir","ok","error","problems"} */
int		 pki_doc_verify_new(const char *dir, struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/* Adds problem text ("path: problem") to "problems"; ok becomes false. */
int		 pki_doc_verify_problem(struct json_t *doc, const char *text,
		    struct pki_error *err) PKI_MUST_CHECK;
/* A run that failed: "ok" false and "error" text (any document). */
int		 pki_doc_fail(struct json_t *doc, const char *text,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * {"version","command":"renew","dry_run","outcome","exit","sets",
 * "messages"}: pki_doc_renew_note adds a note (any kind) to "messages",
 * pki_doc_renew_result a set's outcome to "sets", pki_doc_renew_finish
 * the run's PKI_RUN_* outcome and exit status.
 */
int		 pki_doc_renew_new(int dry_run, struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_doc_renew_note(struct json_t *doc,
		    const struct pki_note *n,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_doc_renew_result(struct json_t *doc,
		    const struct pki_renew_result *res,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_doc_renew_finish(struct json_t *doc, int outcome,
		    int exit_status, struct pki_error *err) PKI_MUST_CHECK;
/* The name of a PKI_RUN_* outcome: "ok", "changed", "busy", ... */
const char	*pki_run_outcome_name(int outcome);

/* needs-renewal's verdict of one target (its exit statuses). */
#define PKI_DUE_STATE_DUE	0
#define PKI_DUE_STATE_NOT_DUE	1
#define PKI_DUE_STATE_MISSING	2
#define PKI_DUE_STATE_ERROR	255
/*
 * {"version","command":"needs-renewal","verdict","exit","certificates"}:
 * pki_doc_due_add adds a target with its PKI_DUE_STATE_* (due: its
 * judgement, NULL when there is none; why may be NULL),
 * pki_doc_due_finish the verdict of exit status st.
 */
int		 pki_doc_due_new(struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;
struct pki_due;
int		 pki_doc_due_add(struct json_t *doc, const char *target,
		    int state, const struct pki_due *due, const char *why,
		    struct pki_error *err) PKI_MUST_CHECK;
int		 pki_doc_due_finish(struct json_t *doc, int st,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * check's document {"version","command":"check","state","exit","text",
 * "perfdata"}: res's verdict, or with res NULL UNKNOWN with text.
 */
struct pki_check_result;
int		 pki_doc_check(const struct pki_check_result *res,
		    const char *text, struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;

/*
 * The document of rollback, ca renew, ca rotate and revoke:
 * {"version","command", the keys of extra in their order (a stolen
 * object, NULL for none), "outcome","exit","messages"}, filled by
 * pki_doc_renew_note and pki_doc_renew_finish as renew's.
 */
int		 pki_doc_run_new(const char *command, struct json_t *extra,
		    struct json_t **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * cluster inventory's document {"version","command","dir","member",
 * "certificates"}: the n certificates of v (pki_inventory_list), each
 * with its status at time now ("good", "expired", "revoked").
 */
struct pki_inv_cert;
int		 pki_doc_inventory(const char *dir, const char *member,
		    const struct pki_inv_cert *v, size_t n, int64_t now,
		    struct json_t **out, struct pki_error *err) PKI_MUST_CHECK;
/*
 * gencrl's document {"version","command","number","issuer","aki",
 * "this_update","next_update","entries","der"} of the CRL b64 (base64
 * DER, as pki_crl_gencrl makes it with PKI_CRL_BASE64; "der" is b64).
 */
int		 pki_doc_gencrl(const char *b64, struct json_t **out,
		    struct pki_error *err) PKI_MUST_CHECK;
/*
 * cluster export's document {"version","command","name","kind","out",
 * "paths"}: x's leaf (kind "member" or "client"), the archive file out,
 * the host paths it holds.
 */
struct pki_cluster_exported;
int		 pki_doc_export(const char *name, const char *out,
		    const struct pki_cluster_exported *x, struct json_t **doc,
		    struct pki_error *err) PKI_MUST_CHECK;

/* ---- the progress line (pki/progress.c) -------------------------------- */

/*
 * The text of a progress line: "WHAT DONE/TOTAL (PCT%)  RATE/s  ETA T"
 * after elapsed seconds (rate and ETA once something is done), cut to
 * width columns (width < 20: 20).  buf gets at most len - 1 bytes.
 */
void		 pki_progress_format(char *buf, size_t len, const char *what,
		    size_t done, size_t total, double elapsed, int width);

/* When to draw the line: a run's progress state (times in seconds). */
struct pki_progress {
	const char	*what;
	int		 on;		/* drawn at all (a terminal, not quiet) */
	int		 shown;		/* a line is on the screen */
	double		 start, last;
	size_t		 done, total;	/* the last counts given */
};

/* Seconds on the monotonic clock: the now of the two functions below. */
double		 pki_progress_clock(void);
/* Starts p for a run named what at time now; nothing is drawn unless on. */
void		 pki_progress_start(struct pki_progress *p, const char *what,
		    int on, double now);
/*
 * Whether to draw the line for done of total at time now: once the run
 * has lasted a second, at most every 0.1 s, and always the last count
 * after a line was shown.  Returns 1 with the text in buf (width columns,
 * as pki_progress_format) and marks it shown; else 0.
 */
int		 pki_progress_due(struct pki_progress *p, size_t done,
		    size_t total, double now, int width, char *buf, size_t len);

#endif /* PKI_H */
