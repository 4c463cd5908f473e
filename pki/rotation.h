/*
 * rotation.h: the state of a CA rotation (rotstate.c) that its phases
 * (carotate.c) act on.  Private to pki/ (and tests/unit).
 */
#ifndef PKI_ROTATION_H
#define PKI_ROTATION_H

#include "engine.h"

/* Which CA issued a certificate. */
#define ISS_UNKNOWN	-1	/* not probed, or unreachable */
#define ISS_CUR		0	/* ca.pem */
#define ISS_NEXT	1	/* ca-next.pem */
#define ISS_PREV	2	/* ca-prev.pem */
#define ISS_OTHER	3

/* One CA pair of DIR: ca, ca-next or ca-prev. */
struct rca {
	int			 which;		/* PKI_CA_* */
	char			*path, *keypath;
	struct pki_ca		*ca;		/* NULL: not present */
	struct pki_cert		*probe;		/* a client certificate it
						   signed, made in memory */
	struct pki_key		*probekey;
};

/* One member's or client's leaf directory. */
struct rleaf {
	struct pki_target	*t;
	int			 member;
	int			 selected;
	const char		*client_url, *peer_url;	/* for messages */
	const struct pki_url	*cu, *pu;	/* the same parsed */
	/* Its bundle DIR/<leaf>/ca.pem (canonical PEMs of each cert). */
	int			 nobundle;
	char			**certs;
	size_t			 ncerts;
	int			 b_cur, b_next, b_prev, b_other;
	/* Its leaf certificate on disk. */
	struct pki_cert		*leaf;
	struct pki_cert_facts	 lf;
	int			 leaf_iss;	/* ISS_*; ISS_UNKNOWN: missing
						   or unreadable */
	/* Probes (members): -1 unknown. */
	int			 connected;	/* 1, 0 failed, -1 not probed */
	char			 error[512];
	int			 served_client, served_peer;	/* ISS_* */
	int			 trusts_cur, trusts_next, trusts_prev;
	/* This run. */
	char			*gen;		/* staged, not yet active */
	int			 restart;	/* needs a (re)start */
};

struct pki_rotation {
	struct pki_targets		*ts;
	const struct pki_cluster	*cl;
	char				*dir;
	struct rca			 cur, next, prev;
	struct rleaf			*l;
	size_t				 n;
	time_t				 now;
	int				 timeout_ms;
	const struct pki_etcd_ops	*ops;
	void				*ops_arg;
	const struct pki_roll_conf	*rolling;	/* NULL: no restarts */
	const struct pki_parse_opts	*sign_policy;	/* may be NULL */
	struct pki_notify		 nt;
	void				(*progress)(void *, size_t,
					    size_t);	/* pki_rot_opts' */
	size_t				 unreachable;
	const char			*pw;		/* the CA key's, until
							   the targets copy it */
	size_t				 pwlen;
};

/* present */
#define RCA_HAS(c)	((c)->ca != NULL)

/* Loads DIR's CAs and every leaf (not probed); -1 after a note. */
int	pki_rot_state_load(struct pki_rotation *ro);
/* (Re)loads one CA of DIR (need_key: its key must be there). */
int	pki_rot_ca_load(struct pki_rotation *ro, struct rca *c, int need_key);
/* Forgets CA c (a ca-next.pem left by an interrupted switch). */
void	pki_rot_ca_clear(struct rca *c);
/* Reads one leaf directory's bundle and leaf certificate. */
int	pki_rot_leaf_load(struct pki_rotation *ro, struct rleaf *l);
/* Probes every member (ro->unreachable counts those that failed). */
void	pki_rot_probe_all(struct pki_rotation *ro);
/* A probe client certificate of c, when its key is at hand. */
int	pki_rot_mint_probe(struct pki_rotation *ro, struct rca *c);
/* add-trust complete: every bundle holds ca-next and every reachable
 * member accepts its client certificates. */
int	pki_rot_trust_complete(const struct pki_rotation *ro);
/* Every leaf issued by ca.pem, on disk and as served. */
int	pki_rot_issued_complete(const struct pki_rotation *ro);
/* The phase (PKI_ROT_*) the files and probes say. */
int	pki_rot_phase(const struct pki_rotation *ro);

#endif /* PKI_ROTATION_H */
