/*
 * sets.c: the certificate sets of renew and rollback, from their flags
 * (see sets.h); the library keeps them (struct pki_targets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "load.h"
#include "log.h"
#include "notes.h"
#include "sets.h"

/* CMD_RETURN_USAGE for a usage problem (PKI_ERR_ARG), else ERROR. */
static int
fail(const struct pki_error *err, int r)
{
	log_pki(err, r);
	return r == PKI_ERR_ARG ? CMD_RETURN_USAGE : CMD_RETURN_ERROR;
}

static int
load_cluster_sets(const struct opts *o, int signer,
    const struct pki_notify *nt, struct sets *s)
{
	const struct pki_profile *prof;
	struct pki_error	err;
	char			*pw = NULL;
	size_t			pwlen = 0;
	int			r;

	memset(&err, 0, sizeof(err));
	s->dir = o->args[0];
	if ((r = load_cluster(o, opts_str(o, OPT_CLUSTER), &s->cl)) !=
	    CMD_RETURN_NORMAL)
		return r;
	/* -config or -remote: signed through the CA server. */
	if (signer && (o->set[OPT_CONFIG] || o->set[OPT_REMOTE]) && ((r =
	    load_remote(o, &s->cfg, &prof, &s->rem)) < 0 || (r == 1 && (r =
	    pki_targets_set_remote(s->ts, &s->rem, opts_str(o, OPT_PROFILE),
	    opts_str(o, OPT_LABEL), opts_str(o, OPT_CA), &err)) != 0)))
		return r < 0 ? CMD_RETURN_ERROR : fail(&err, r);
	if (signer && s->rem.urls == NULL && (load_password(o, &pw,
	    &pwlen) != CMD_RETURN_NORMAL ||
	    (pw != NULL && (r = pki_targets_ca_password(s->ts, pw, pwlen,
	    &err)) != 0))) {
		pki_secret_free(pw, pwlen);
		return pw != NULL ? fail(&err, r) : CMD_RETURN_ERROR;
	}
	pki_secret_free(pw, pwlen);
	if ((r = pki_targets_add_cluster(s->ts, s->cl, opts_str(o,
	    OPT_CLUSTER), s->dir, opts_str(o, OPT_MEMBER), signer, nt,
	    &err)) != 0)
		return fail(&err, r);
	return CMD_RETURN_NORMAL;
}

static int
load_path_sets(const struct opts *o, int signer, struct sets *s)
{
	const struct pki_profile	*prof = NULL;
	struct pki_parse_opts		 po;
	struct pki_error		 err;
	const char			*csrjson = opts_str(o, OPT_CSR_JSON);
	int				 i, r;

	memset(&err, 0, sizeof(err));
	if (signer) {
		if ((r = load_signer(o, &s->cfg, &prof, &s->ca, &s->cakey,
		    &s->rem)) < 0)
			return CMD_RETURN_ERROR;
		if ((r = r ? pki_targets_set_remote(s->ts, &s->rem, opts_str(o,
		    OPT_PROFILE), opts_str(o, OPT_LABEL), opts_str(o, OPT_CA),
		    &err) : pki_targets_set_signer(s->ts, s->ca, s->cakey,
		    opts_str(o, OPT_CA), &err)) != 0)
			return fail(&err, r);
	}
	load_parse_opts(o, &po);
	for (i = 0; i < o->nargs; i++)
		if ((r = pki_targets_add_path(s->ts, o->args[i], csrjson, &po,
		    prof, &err)) != 0)
			return fail(&err, r);
	return CMD_RETURN_NORMAL;
}

int
sets_load(const struct opts *o, int signer, const struct pki_notify *nt,
    struct sets *s)
{
	struct pki_error	err;
	int			r;

	memset(s, 0, sizeof(*s));
	memset(&err, 0, sizeof(err));
	if ((r = pki_targets_args_check(o->set[OPT_CLUSTER], opts_str(o,
	    OPT_MEMBER) != NULL, o->set[OPT_CSR_JSON], o->nargs, &err)) != 0 ||
	    (r = pki_targets_new(&s->ts, &err)) != 0)
		return fail(&err, r);
	if (o->set[OPT_CLUSTER])
		return load_cluster_sets(o, signer, nt, s);
	return load_path_sets(o, signer, s);
}

int
sets_lock(struct sets *s)
{
	struct pki_error	err;
	int			r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_targets_lock(s->ts, &err)) == 0)
		return CMD_RETURN_NORMAL;
	log_pki(&err, r);
	return r == PKI_ERR_BUSY ? notes_exit(PKI_RUN_BUSY) :
	    CMD_RETURN_ERROR;
}

size_t
sets_count(const struct sets *s)
{
	return s->ts != NULL ? pki_targets_count(s->ts) : 0;
}

void
sets_free(struct sets *s)
{
	pki_targets_free(s->ts);
	pki_cluster_free(s->cl);
	pki_config_free(s->cfg);
	pki_cert_free(s->ca);
	pki_key_free(s->cakey);
	memset(s, 0, sizeof(*s));
}
