/*
 * opts.c: the flag table (every flag of every command, once) and the
 * parser.  Flag names, types and help texts follow cfssl's cli/config.go.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

const struct opt_def opt_table[OPT__COUNT] = {
	[OPT_BARE] =
	{ "bare", OPT_TYPE_BOOL, NULL, "the response from CFSSL is not wrapped in the API standard response" },
	[OPT_CA] =
	{ "ca", OPT_TYPE_STRING, "CERT", "CA certificate (a path, env:VAR or file:PATH)" },
	[OPT_CA_KEY] =
	{ "ca-key", OPT_TYPE_STRING, "KEY", "CA private key (a path, env:VAR or file:PATH)" },
	[OPT_CA_KEY_PASSWORD] =
	{ "ca-key-password", OPT_TYPE_STRING, "env:VAR|file:PATH", "password of an encrypted CA key (default: $CFSSL_CA_PK_PASSWORD)" },
	[OPT_CERT] =
	{ "cert", OPT_TYPE_STRING, "FILE", "certificate file ('-' for stdin)" },
	[OPT_CN] =
	{ "cn", OPT_TYPE_STRING, "NAME", "common name of the certificate, replacing the CSR JSON's CN" },
	[OPT_CONFIG] =
	{ "config", OPT_TYPE_STRING, "FILE", "signing configuration (cfssl config JSON)" },
	[OPT_CRL] =
	{ "crl", OPT_TYPE_STRING, "URL", "CRL distribution point URL, replacing the profile's crl_url" },
	[OPT_CSR] =
	{ "csr", OPT_TYPE_STRING, "FILE", "PEM certificate request file ('-' for stdin)" },
	[OPT_DNS] =
	{ "dns", OPT_TYPE_STRING, "LIST", "cluster init: DNS names to add to members, as MEMBER=NAME,..." },
	[OPT_DOMAIN] =
	{ "domain", OPT_TYPE_STRING, "HOST", "remote server (not supported: use -cert)" },
	[OPT_EXPIRY] =
	{ "expiry", OPT_TYPE_STRING, "DURATION", "cluster issue: validity of new leaf certificates, replacing the profile's (e.g. 10m, 48h)" },
	[OPT_F] =
	{ "f", OPT_TYPE_STRING, "FILE", "JSON input ('-' for stdin, the default)" },
	[OPT_HORIZON] =
	{ "horizon", OPT_TYPE_STRING, "DURATION", "cluster verify: a certificate valid for less than this long is a problem (default 720h)" },
	[OPT_HOSTNAME] =
	{ "hostname", OPT_TYPE_STRING, "LIST", "comma-separated hosts, replacing the request's" },
	[OPT_INITCA] =
	{ "initca", OPT_TYPE_BOOL, NULL, "create a new self-signed CA" },
	[OPT_INITIAL_CLUSTER] =
	{ "initial-cluster", OPT_TYPE_STRING, "STRING", "cluster init: etcd's initial-cluster string, NAME=PEER_URL,..." },
	[OPT_IPS] =
	{ "ips", OPT_TYPE_STRING, "LIST", "cluster init: member IP addresses, as MEMBER=IP,..." },
	[OPT_J] =
	{ "j", OPT_TYPE_INT, "N", "cluster issue: worker threads (default: one per CPU, or one per key when there are at most four per CPU)" },
	[OPT_KEY] =
	{ "key", OPT_TYPE_STRING, "FILE", "private key file" },
	[OPT_KEY_ALGO] =
	{ "key-algo", OPT_TYPE_STRING, "ALGO-SIZE", "cluster init and issue -members: key of every certificate (ecdsa-256, rsa-2048, ed25519, ...)" },
	[OPT_KEY_FORMAT] =
	{ "key-format", OPT_TYPE_STRING, "cfssl|pkcs8", "private key encoding: cfssl (PKCS#1/SEC1, the default) or pkcs8" },
	[OPT_LABEL] =
	{ "label", OPT_TYPE_STRING, "LABEL", "key label of a remote multi-root CA (no effect on local signing)" },
	[OPT_LOGLEVEL] =
	{ "loglevel", OPT_TYPE_INT, "N", "log level (0 = DEBUG, 1 = INFO, 2 = WARNING, 3 = ERROR, 5 = FATAL)" },
	[OPT_MEMBERS] =
	{ "members", OPT_TYPE_INT, "N", "cluster init and issue: N synthetic members m1..mN on 127.0.x.y (CI fixtures)" },
	[OPT_NAME] =
	{ "name", OPT_TYPE_STRING, "NAME", "cluster init: cluster name" },
	[OPT_NOT_BEFORE] =
	{ "not-before", OPT_TYPE_STRING, "TIME|-DURATION", "cluster issue: start of validity of new leaf certificates (RFC 3339, or a duration before now)" },
	[OPT_NO_SYNC] =
	{ "no-sync", OPT_TYPE_BOOL, NULL, "cluster issue: do not fsync (files are still replaced atomically; for throw-away fixtures)" },
	[OPT_O] =
	{ "o", OPT_TYPE_STRING, "NAME", "output: gencert/sign write NAME.pem, NAME-key.pem and NAME.csr instead of JSON; cluster init writes the file NAME; cluster issue writes into the directory NAME" },
	[OPT_PROFILE] =
	{ "profile", OPT_TYPE_STRING, "NAME", "signing profile of the configuration (default: the default profile)" },
	[OPT_REMOTE] =
	{ "remote", OPT_TYPE_STRING, "URL", "remote CFSSL server (not supported yet)" },
	[OPT_RENEWCA] =
	{ "renewca", OPT_TYPE_BOOL, NULL, "re-sign a CA certificate with its own key (needs -ca and -ca-key)" },
	[OPT_STDOUT] =
	{ "stdout", OPT_TYPE_BOOL, NULL, "print the files' contents instead of writing them" },
	[OPT_STRICT] =
	{ "strict", OPT_TYPE_BOOL, NULL, "treat unknown JSON keys as errors instead of warnings" },
	[OPT_TOKEN] =
	{ "token", OPT_TYPE_STRING, "TOKEN", "cluster init: initial-cluster-token" },
	[OPT_VERSION] =
	{ "version", OPT_TYPE_BOOL, NULL, "print the version and exit" },
};

static int
opt_allowed(const int *allowed, int id)
{
	for (; *allowed != OPT_END; allowed++)
		if (*allowed == id)
			return 1;
	return 0;
}

static int
opt_lookup(const char *name, size_t len)
{
	int	id;

	for (id = 0; id < OPT__COUNT; id++)
		if (strlen(opt_table[id].name) == len &&
		    strncmp(opt_table[id].name, name, len) == 0)
			return id;
	return -1;
}

/* strconv.ParseBool */
static int
parse_bool(const char *s, int *v)
{
	static const char *const t[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const f[] = { "0", "f", "F", "false", "FALSE", "False" };
	size_t	i;

	for (i = 0; i < 6; i++) {
		if (strcmp(s, t[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcmp(s, f[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

static int
parse_int(const char *s, long *v)
{
	char	*end;
	long	 n;

	if (*s == '\0')
		return -1;
	errno = 0;
	n = strtol(s, &end, 0);
	if (errno != 0 || *end != '\0' || n < INT_MIN || n > INT_MAX)
		return -1;
	*v = n;
	return 0;
}

int
opts_parse(struct opts *o, const int *allowed, int interspersed, int argc,
    char **argv)
{
	int		 i = 0, id, npos = 0;
	const char	*a, *name, *eq, *val;
	size_t		 nlen;

	o->i[OPT_LOGLEVEL] = 1;
	if (interspersed) {
		if ((o->argv_own = calloc((size_t)argc + 1,
		    sizeof(*o->argv_own))) == NULL) {
			fprintf(stderr, "out of memory\n");
			return OPT_PARSE_ERROR;
		}
	}
	while (i < argc) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			if (!interspersed)
				break;
			o->argv_own[npos++] = argv[i++];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		name = a + 1;
		if (*name == '-')
			name++;
		if (*name == '\0' || *name == '-' || *name == '=') {
			fprintf(stderr, "bad flag syntax: %s\n", a);
			return OPT_PARSE_ERROR;
		}
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		i++;
		if ((nlen == 1 && name[0] == 'h') ||
		    (nlen == 4 && strncmp(name, "help", 4) == 0))
			return OPT_PARSE_HELP;
		if ((id = opt_lookup(name, nlen)) < 0) {
			fprintf(stderr, "flag provided but not defined: -%.*s\n",
			    (int)nlen, name);
			return OPT_PARSE_ERROR;
		}
		if (!opt_allowed(allowed, id)) {
			fprintf(stderr, "flag -%s is not used by %s (cfssl would "
			    "silently ignore it)\n", opt_table[id].name, o->cmd);
			return OPT_PARSE_ERROR;
		}
		if (opt_table[id].type == OPT_TYPE_BOOL) {
			if (eq == NULL)
				o->b[id] = 1;
			else if (parse_bool(eq + 1, &o->b[id]) != 0) {
				fprintf(stderr, "invalid boolean value \"%s\" for "
				    "-%s: parse error\n", eq + 1, opt_table[id].name);
				return OPT_PARSE_ERROR;
			}
			o->set[id] = 1;
			continue;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (i < argc)
			val = argv[i++];
		else {
			fprintf(stderr, "flag needs an argument: -%s\n",
			    opt_table[id].name);
			return OPT_PARSE_ERROR;
		}
		if (opt_table[id].type == OPT_TYPE_INT &&
		    parse_int(val, &o->i[id]) != 0) {
			fprintf(stderr, "invalid value \"%s\" for flag -%s: "
			    "parse error\n", val, opt_table[id].name);
			return OPT_PARSE_ERROR;
		}
		o->str[id] = val;
		o->set[id] = 1;
	}
	if (interspersed) {
		while (i < argc)
			o->argv_own[npos++] = argv[i++];
		o->args = o->argv_own;
		o->nargs = npos;
		return OPT_PARSE_OK;
	}
	o->args = argv + i;
	o->nargs = argc - i;
	return OPT_PARSE_OK;
}

void
opts_free(struct opts *o)
{
	free(o->argv_own);
	o->argv_own = NULL;
}

void
opts_usage(FILE *f, const int *allowed)
{
	const struct opt_def	*d;

	for (; *allowed != OPT_END; allowed++) {
		d = &opt_table[*allowed];
		if (d->type == OPT_TYPE_BOOL)
			fprintf(f, "  -%s\n    \t%s\n", d->name, d->help);
		else
			fprintf(f, "  -%s %s\n    \t%s\n", d->name, d->arg,
			    d->help);
	}
}

const char *
opts_str(const struct opts *o, enum opt_id id)
{
	if (!o->set[id] || o->str[id] == NULL || o->str[id][0] == '\0')
		return NULL;
	return o->str[id];
}
