/*
 * sets.h: the certificate sets renew and rollback act on, from their
 * flags: CERT... (with -ca/-ca-key and -config/-profile when signing is
 * wanted) or -cluster DESC DIR [-member M].
 */
#ifndef SETS_H
#define SETS_H

struct opts;
struct pki_targets;
struct pki_cluster;
struct pki_config;
struct pki_cert;
struct pki_key;
struct pki_notify;

struct sets {
	struct pki_targets	*ts;
	struct pki_cluster	*cl;	/* cluster mode */
	const char		*dir;	/* cluster mode: DIR */
	struct pki_config	*cfg;	/* path mode: the signer's */
	struct pki_cert		*ca;
	struct pki_key		*cakey;
	struct pki_remote	 rem;	/* remote signing: urls set */
};

/*
 * Fills s from the command line; signer: also the CA key and the
 * profiles.  Returns CMD_RETURN_* after printing any problem.
 */
int	sets_load(const struct opts *o, int signer, const struct pki_notify *nt,
	    struct sets *s);
/* Locks and opens the sets: CMD_RETURN_NORMAL, 75 (busy) or
 * CMD_RETURN_ERROR. */
int	sets_lock(struct sets *s);
/* The number of sets loaded (0 before sets_load). */
size_t	sets_count(const struct sets *s);
void	sets_free(struct sets *s);

#endif
