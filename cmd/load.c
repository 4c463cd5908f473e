/*
 * load.c: shared input handling for the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pki.h"
#include "cmd.h"
#include "input.h"
#include "load.h"
#include "log.h"
#include "notes.h"

/* Prefixes err->text with "prefix: ". */
static void
err_prefix(struct pki_error *err, const char *prefix)
{
	char	tmp[sizeof(err->text)];

	memcpy(tmp, err->text, sizeof(tmp));
	if (snprintf(err->text, sizeof(err->text), "%s: %s", prefix, tmp) >=
	    (int)sizeof(err->text))
		err->text[sizeof(err->text) - 1] = '\0';	/* truncated */
}

void
load_parse_opts(const struct opts *o, struct pki_parse_opts *po)
{
	memset(po, 0, sizeof(*po));
	po->strict = o->b[OPT_STRICT];
	po->allow_invalid_issuer = o->b[OPT_ALLOW_INVALID_ISSUER];
	po->warn = log_parse_warning;
	/* What gencert, gencsr and selfsign replace, as cfssl does. */
	po->cn_replaced = o->set[OPT_CN];
	po->hosts_replaced = o->set[OPT_HOSTNAME] &&
	    o->str[OPT_HOSTNAME][0] != '\0' && !o->b[OPT_INITCA] &&
	    !o->b[OPT_RENEWCA];
}

/* The kinds of JSON input load_json() parses. */
#define JSON_CSR	0
#define JSON_SUBJECT	1
#define JSON_CLUSTER	2

/*
 * Reads path ("-" = stdin) and parses it as kind into *csr or, for
 * JSON_CLUSTER, *cl; reports errors.
 */
static int
load_json(const struct opts *o, const char *path, int kind,
    struct pki_csr **csr, struct pki_cluster **cl)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	const char		*source;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	load_parse_opts(o, &po);
	source = input_name(path);
	if (input_read(path, 0, &buf, &len, NULL) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	r = kind == JSON_CLUSTER ? pki_cluster_parse(buf, len, source, &po, cl,
	    &err) : pki_csr_parse(buf, len, source, kind == JSON_SUBJECT, &po,
	    csr, &err);
	free(buf);
	if (r != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

int
load_csr_json(const struct opts *o, const char *path, int subject_only,
    struct pki_csr **out)
{
	*out = NULL;
	return load_json(o, path, subject_only ? JSON_SUBJECT : JSON_CSR, out,
	    NULL);
}

int
load_cluster(const struct opts *o, const char *path, struct pki_cluster **out)
{
	*out = NULL;
	return load_json(o, path, JSON_CLUSTER, NULL, out);
}

int
load_config(const struct opts *o, struct pki_config **cfg,
    const struct pki_profile **prof)
{
	struct pki_parse_opts	 po;
	struct pki_error	 err;
	const char		*path;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	*cfg = NULL;
	if (prof != NULL)
		*prof = NULL;
	memset(&err, 0, sizeof(err));
	load_parse_opts(o, &po);
	if ((path = opts_str(o, OPT_CONFIG)) != NULL) {
		if (input_read(path, 0, &buf, &len, NULL) != CMD_RETURN_NORMAL)
			return CMD_RETURN_ERROR;
		if ((r = pki_config_parse(buf, len, path, &po, cfg, &err)) != 0)
			goto fail;
	} else if ((r = pki_config_new_default(cfg, &err)) != 0)
		goto fail;
	if (prof != NULL && (r = pki_config_profile(*cfg,
	    opts_str(o, OPT_PROFILE), prof, &err)) != 0) {
		err_prefix(&err, "-profile");
		if (path != NULL)
			err_prefix(&err, path);
		goto fail;
	}
	free(buf);
	return CMD_RETURN_NORMAL;
 fail:
	log_pki(&err, r);
	free(buf);
	pki_config_free(*cfg);
	*cfg = NULL;
	return CMD_RETURN_ERROR;
}

int
load_remote(const struct opts *o, struct pki_config **cfg,
    const struct pki_profile **prof, struct pki_remote *r)
{
	struct pki_error	 err;
	const char		*name = opts_str(o, OPT_PROFILE);
	const char		*override = opts_str(o, OPT_REMOTE);
	int			 rc;

	memset(&err, 0, sizeof(err));
	memset(r, 0, sizeof(*r));
	*prof = NULL;
	if (load_config(o, cfg, NULL) != CMD_RETURN_NORMAL)
		return -1;
	if ((rc = pki_config_profile(*cfg, name, prof, &err)) != 0) {
		/* -remote: the server knows its profiles. */
		if (rc != PKI_ERR_PROFILE || override == NULL ||
		    (rc = pki_config_profile(*cfg, NULL, prof, &err)) != 0) {
			err_prefix(&err, "-profile");
			if (opts_str(o, OPT_CONFIG) != NULL)
				err_prefix(&err, opts_str(o, OPT_CONFIG));
			goto fail;
		}
	}
	if (override == NULL && !pki_profile_is_remote(*prof))
		return 0;
	if ((rc = pki_remote_for_profile(*cfg, *prof, override, r,
	    &err)) != 0)
		goto fail;
	r->tls_ca_file = opts_str(o, OPT_TLS_REMOTE_CA);
	r->tls_cert_file = opts_str(o, OPT_MUTUAL_TLS_CLIENT_CERT);
	r->tls_key_file = opts_str(o, OPT_MUTUAL_TLS_CLIENT_KEY);
	if ((r->tls_cert_file == NULL) != (r->tls_key_file == NULL)) {
		log_err("-mutual-tls-client-cert and -mutual-tls-client-key go "
		    "together");
		goto out;
	}
	r->timeout_ms = opts_ms(o, OPT_REMOTE_TIMEOUT, 0);
	return 1;
 fail:
	log_pki(&err, rc);
 out:
	pki_config_free(*cfg);
	*cfg = NULL;
	*prof = NULL;
	return -1;
}

int
load_password(const struct opts *o, char **pw, size_t *pwlen)
{
	struct pki_error	 err;
	const char		*from;
	int			 r;

	memset(&err, 0, sizeof(err));
	if ((r = pki_ca_password(opts_str(o, OPT_CA_KEY_PASSWORD), pw, pwlen,
	    &from, &err)) == PKI_OK)
		return CMD_RETURN_NORMAL;
	log_pki(&err, r);
	return CMD_RETURN_ERROR;
}

void
warn_key_mode(const char *spec)
{
	static struct notes	loud;
	struct pki_notify	nt = { notes_print, &loud };

	if (spec != NULL)
		pki_key_mode_warn(&nt, spec);
}

int
load_ca_key(const struct opts *o, struct pki_key **out)
{
	const char	*spec;

	*out = NULL;
	/* cfssl logs this and exits 0 with no output; we fail. */
	if ((spec = opts_str(o, OPT_CA_KEY)) == NULL) {
		log_err("need a CA key (provide one with -ca-key)");
		return CMD_RETURN_ERROR;
	}
	return load_ca_key_spec(o, spec, out);
}

int
load_ca_key_spec(const struct opts *o, const char *spec, struct pki_key **out)
{
	struct pki_error	 err;
	char			*buf = NULL, *pw = NULL;
	size_t			 len = 0, pwlen = 0;
	int			 r, ret = CMD_RETURN_ERROR;

	*out = NULL;
	memset(&err, 0, sizeof(err));
	if (load_password(o, &pw, &pwlen) != CMD_RETURN_NORMAL)
		goto out;
	warn_key_mode(spec);
	if (input_read(spec, INPUT_PREFIX, &buf, &len, NULL) !=
	    CMD_RETURN_NORMAL)
		goto out;
	if ((r = pki_key_load(buf, len, spec, pw, out, &err)) != 0) {
		log_pki(&err, r);
		goto out;
	}
	ret = CMD_RETURN_NORMAL;
 out:
	pki_secret_free(buf, len);
	pki_secret_free(pw, pwlen);
	return ret;
}

/*
 * Reads spec (flags as input_read's) and loads the first certificate
 * (cert != NULL) or certificate request (req != NULL) in it.
 */
static int
load_pem(const char *spec, int flags, struct pki_cert **cert,
    struct pki_req **req)
{
	struct pki_error	 err;
	char			*buf = NULL;
	size_t			 len = 0;
	int			 r;

	memset(&err, 0, sizeof(err));
	if (input_read(spec, flags, &buf, &len, NULL) != CMD_RETURN_NORMAL)
		return CMD_RETURN_ERROR;
	r = cert != NULL ? pki_cert_load(buf, len, input_name(spec), cert,
	    &err) : pki_req_load(buf, len, input_name(spec), req, &err);
	free(buf);
	if (r != 0) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	return CMD_RETURN_NORMAL;
}

int
load_cert_file(const char *spec, struct pki_cert **out)
{
	*out = NULL;
	return load_pem(spec, INPUT_PREFIX, out, NULL);
}

int
load_req_file(const char *path, struct pki_req **out)
{
	*out = NULL;
	return load_pem(path, 0, NULL, out);
}

int
load_ca_cert(const struct opts *o, struct pki_cert **out)
{
	const char	*spec;

	*out = NULL;
	if ((spec = opts_str(o, OPT_CA)) == NULL) {
		log_err("need a CA certificate (provide one with -ca)");
		return CMD_RETURN_ERROR;
	}
	return load_cert_file(spec, out);
}

int
load_key_format(const struct opts *o)
{
	/* The choices of -key-format are in PKI_KEY_FMT_* order. */
	return opts_enum(o, OPT_KEY_FORMAT, PKI_KEY_FMT_CFSSL);
}

int
load_ca_pair(const struct opts *o, struct pki_cert **ca,
    struct pki_key **cakey)
{
	*ca = NULL;
	*cakey = NULL;
	if (load_ca_cert(o, ca) != CMD_RETURN_NORMAL ||
	    load_ca_key(o, cakey) != CMD_RETURN_NORMAL)
		goto fail;
	if (!pki_cert_matches_key(*ca, *cakey)) {
		log_err("%s: the CA key does not match the CA certificate %s",
		    opts_str(o, OPT_CA_KEY), opts_str(o, OPT_CA));
		goto fail;
	}
	return CMD_RETURN_NORMAL;
 fail:
	pki_cert_free(*ca);
	pki_key_free(*cakey);
	*ca = NULL;
	*cakey = NULL;
	return CMD_RETURN_ERROR;
}

int
load_signer(const struct opts *o, struct pki_config **cfg,
    const struct pki_profile **prof, struct pki_cert **ca,
    struct pki_key **cakey, struct pki_remote *r)
{
	int	rm;

	*ca = NULL;
	*cakey = NULL;
	if ((rm = load_remote(o, cfg, prof, r)) != 0)
		return rm;
	if (load_ca_pair(o, ca, cakey) == CMD_RETURN_NORMAL)
		return 0;
	pki_config_free(*cfg);
	*cfg = NULL;
	*prof = NULL;
	return -1;
}

int
load_status(const struct opts *o, const struct pki_cluster *cl, int nargs,
    struct pki_status *s, const char **what)
{
	static struct notes		 loud;	/* every note shown */
	struct pki_error		 err;
	int				 i, r = PKI_OK;

	memset(&err, 0, sizeof(err));
	s->nt.note = notes_print;
	s->nt.arg = &loud;
	if (cl != NULL)
		r = pki_status_add_cluster(s, cl, o->args[0],
		    opts_str(o, OPT_MEMBER), &err);
	for (i = 0; cl == NULL && i < nargs && r == PKI_OK; i++)
		if ((r = pki_status_add_path(s, o->args[i], &err)) != PKI_OK &&
		    what != NULL)
			*what = o->args[i];
	if (r != PKI_OK) {
		log_pki(&err, r);
		return CMD_RETURN_ERROR;
	}
	pki_status_link(s);
	return CMD_RETURN_NORMAL;
}
