/*
 * load.h: reading the inputs commands share (CSR JSON, config, CA), with
 * errors reported on stderr.  Each returns a CMD_RETURN_* status.
 */
#ifndef LOAD_H
#define LOAD_H

struct opts;
struct pki_csr;
struct pki_config;
struct pki_cert;
struct pki_key;
struct pki_profile;
struct pki_cluster;

/* Reads and parses a CSR JSON file ("-" = stdin). */
int	load_csr_json(const struct opts *o, const char *path, int subject_only,
	    struct pki_csr **out);
/* Reads and parses a cluster description ("-" = stdin). */
int	load_cluster(const struct opts *o, const char *path,
	    struct pki_cluster **out);
/* -config FILE, or cfssl's built-in default; then -profile. */
int	load_config(const struct opts *o, struct pki_config **cfg,
	    const struct pki_profile **prof);
/*
 * Prints "warning: PATH: mode 0644: readable by group or others" when the
 * CA key file spec (a path or file:PATH; env: and "-" are skipped) can be
 * read by anyone but its owner.  A file that cannot be stat()ed is
 * silently skipped: the read that follows reports it.
 */
void	warn_key_mode(const char *spec);
/*
 * The CA key's password (pki_ca_password: -ca-key-password,
 * $CFSSL_CA_PK_PASSWORD, the systemd credential); *pw NULL if none, else
 * freed with pki_secret_free(*pw, *pwlen).
 */
int	load_password(const struct opts *o, char **pw, size_t *pwlen);
/* -ca-key (with its password); required. */
int	load_ca_key(const struct opts *o, struct pki_key **out);
/* The CA key spec (a path, "-", env:VAR or file:PATH), with its password
 * (-ca-key-password or $CFSSL_CA_PK_PASSWORD). */
int	load_ca_key_spec(const struct opts *o, const char *spec,
	    struct pki_key **out);
/* -ca; required. */
int	load_ca_cert(const struct opts *o, struct pki_cert **out);
/* -ca and -ca-key (both required), which must match each other. */
int	load_ca_pair(const struct opts *o, struct pki_cert **ca,
	    struct pki_key **cakey);
/*
 * -config/-profile and -remote for a command that can sign remotely:
 * loads the configuration (with -remote, a profile the client's
 * configuration does not have is only the server's business) and, when
 * the profile signs remotely or -remote is given, fills *r (with
 * -tls-remote-ca, -mutual-tls-client-cert/-key and -remote-timeout).
 * Returns 1 for remote signing, 0 for local (the caller loads the CA),
 * -1 after an error.
 */
struct pki_remote;
int	load_remote(const struct opts *o, struct pki_config **cfg,
	    const struct pki_profile **prof, struct pki_remote *r);
/*
 * Everything a signature needs, checked before any work is done:
 * load_remote(), then for a local profile load_ca_pair().  1: remote
 * (*r filled), 0: local, -1 after an error.
 */
int	load_signer(const struct opts *o, struct pki_config **cfg,
	    const struct pki_profile **prof, struct pki_cert **ca,
	    struct pki_key **cakey, struct pki_remote *r);
/* A certificate file ("-" = stdin; env:VAR and file:PATH as -ca). */
int	load_cert_file(const char *path, struct pki_cert **out);
/* A PEM certificate request file ("-" = stdin). */
struct pki_req;
int	load_req_file(const char *path, struct pki_req **out);
/* Returns the -key-format as PKI_KEY_FMT_* (checked when parsed). */
int	load_key_format(const struct opts *o);
/* Fills the policy from -strict and -allow-invalid-issuer. */
void	load_parse_opts(const struct opts *o, struct pki_parse_opts *po);
/*
 * The status rows (s, started by the caller) of cl's directory o->args[0]
 * (-member) when cl is not NULL, else of the first nargs arguments,
 * linked to their CAs.  Keys and CSR JSON that cannot be read are
 * reported as they are found; an error (a directory that cannot be
 * read) is printed, and *what (may be NULL) names the argument.
 */
struct pki_status;
int	load_status(const struct opts *o, const struct pki_cluster *cl,
	    int nargs, struct pki_status *s, const char **what);

#endif
