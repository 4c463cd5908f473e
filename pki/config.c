/*
 * config.c: cfssl's signing configuration (config/config.go) into struct
 * pki_config, validated where cfssl validates and also where cfssl is
 * silently wrong (unknown usages, not_after before not_before, ...).
 */
#include <ctype.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include <jansson.h>

#include "internal.h"
#include "json.h"

static const char *const config_fields[] = {
	"signing", "auth_keys", "remotes", "ocsp", NULL
};
enum { CF_SIGNING, CF_AUTH_KEYS, CF_REMOTES, CF_OCSP, CF__N };

/* Keys people put at the wrong level (cfssl #652, #657, #1134). */
static const struct pki_json_hint config_hints[] = {
	{ "profiles", ", did you mean \"signing.profiles\"?" },
	{ "default", ", did you mean \"signing.default\"?" },
	{ NULL, NULL }
};
static const struct pki_json_hint profile_hints[] = {
	{ "is_ca", ", did you mean \"ca_constraint.is_ca\"?" },
	{ "max_path_len", ", did you mean \"ca_constraint.max_path_len\"?" },
	{ "max_path_len_zero",
	    ", did you mean \"ca_constraint.max_path_len_zero\"?" },
	{ "usage", ", did you mean \"usages\"?" },
	{ NULL, NULL }
};

static const char *const signing_fields[] = { "default", "profiles", NULL };
enum { SG_DEFAULT, SG_PROFILES, SG__N };

static const char *const authkey_fields[] = { "type", "key", NULL };
enum { AK_TYPE, AK_KEY, AK__N };

/* ocspConfig.Config: accepted and ignored. */
static const char *const ocsp_fields[] = {
	"CACertFile", "ResponderCertFile", "KeyFile", "Interval", NULL
};
enum { OC_CACERT, OC_RESPCERT, OC_KEY, OC_INTERVAL, OC__N };

static const char *const profile_fields[] = {
	"usages", "issuer_urls", "ocsp_url", "crl_url", "ca_constraint",
	"ocsp_no_check", "expiry", "backdate", "auth_key", "prev_auth_key",
	"remote", "not_before", "not_after", "name_whitelist", "auth_remote",
	"ct_log_servers", "allowed_extensions", "cert_store",
	"lint_error_level", "ignored_lint_sources", "ignored_lints",
	"Policies", "CSRWhitelist", "ClientProvidesSerialNumbers",
	"copy_extensions", NULL
};
enum {
	P_USAGES, P_ISSUER_URLS, P_OCSP_URL, P_CRL_URL, P_CA_CONSTRAINT,
	P_OCSP_NO_CHECK, P_EXPIRY, P_BACKDATE, P_AUTH_KEY, P_PREV_AUTH_KEY,
	P_REMOTE, P_NOT_BEFORE, P_NOT_AFTER, P_NAME_WHITELIST, P_AUTH_REMOTE,
	P_CT_LOG_SERVERS, P_ALLOWED_EXTENSIONS, P_CERT_STORE,
	P_LINT_ERROR_LEVEL, P_IGNORED_LINT_SOURCES, P_IGNORED_LINTS,
	P_POLICIES, P_CSR_WHITELIST, P_CLIENT_SERIALS, P_COPY_EXTENSIONS,
	P__N
};

static const char *const caconstraint_fields[] = {
	"is_ca", "max_path_len", "max_path_len_zero", NULL
};
enum { CC_IS_CA, CC_MAX_PATH_LEN, CC_MAX_PATH_LEN_ZERO, CC__N };

static const char *const authremote_fields[] = { "remote", "auth_key", NULL };
enum { AR_REMOTE, AR_AUTH_KEY, AR__N };

static const char *const policy_fields[] = { "ID", "Qualifiers", NULL };
enum { PO_ID, PO_QUALIFIERS, PO__N };

static const char *const qualifier_fields[] = { "Type", "Value", NULL };
enum { Q_TYPE, Q_VALUE, Q__N };

static const char *const csrwl_fields[] = {
	"Subject", "PublicKeyAlgorithm", "PublicKey", "SignatureAlgorithm",
	"DNSNames", "IPAddresses", "EmailAddresses", "URIs", NULL
};
enum {
	W_SUBJECT, W_PUBKEY_ALG, W_PUBKEY, W_SIGALG, W_DNS, W_IP, W_EMAIL,
	W_URI, W__N
};

/* zlint's LintStatus labels, as cfssl's lint_error_level takes them. */
static const char *const lint_levels[] = {
	"reserved", "NA", "NE", "pass", "info", "warn", "error", "fatal", NULL
};

/* zlint's lint sources (cfssl: ignored_lint_sources). */
static const char *const lint_sources[] = {
	"RFC3279", "RFC5280", "RFC5480", "RFC5891", "RFC8813", "CABF_BR",
	"CABF_EV", "Mozilla", "Apple", "Community", "ETSI_ESI", NULL
};

/* cfssl's DefaultConfig(): the default profile when none is given. */
static const char *const default_usages[] = {
	"signing", "key encipherment", "server auth", "client auth", NULL
};
#define DEFAULT_EXPIRY	(8760 * PKI_NS_PER_HOUR)

/* initca.CAPolicy(). */
static const char *const ca_usages[] = { "cert sign", "crl sign", NULL };
#define CA_EXPIRY	(43800 * PKI_NS_PER_HOUR)

/* What a profile's JSON said, beyond what struct pki_profile keeps. */
struct profile_src {
	const char	*path;		/* "signing.profiles.NAME" */
	json_t		*vals[P__N];
	int		 has_expiry;
	int		 has_issuer_urls;
};

void
pki_profile_free(struct pki_profile *p)
{
	size_t	i, j;

	if (p == NULL)
		return;
	free(p->name);
	free(p->where);
	free(p->expiry_where);
	pki_strv_clear(&p->usages);
	free(p->eku);
	free(p->ocsp_url);
	free(p->crl_url);
	pki_strv_clear(&p->issuer_urls);
	free(p->name_whitelist);
	if (p->has_whitelist)
		regfree(&p->whitelist_re);
	pki_strv_clear(&p->allowed_extensions);
	for (i = 0; i < p->npolicies; i++) {
		free(p->policies[i].oid);
		for (j = 0; j < p->policies[i].nquals; j++)
			free(p->policies[i].quals[j].value);
		free(p->policies[i].quals);
	}
	free(p->policies);
	free(p->remote);
	free(p->auth_remote_key);
	free(p->auth_key);
	free(p);
}

void
pki_config_free(struct pki_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->source);
	pki_profile_free(cfg->def);
	for (i = 0; i < cfg->nprofiles; i++)
		pki_profile_free(cfg->profiles[i]);
	free(cfg->profiles);
	pki_strv_clear(&cfg->auth_key_names);
	pki_strv_clear(&cfg->auth_key_values);
	pki_strv_clear(&cfg->remote_names);
	pki_strv_clear(&cfg->remote_urls);
	free(cfg);
}

/* Returns the NULL-terminated list of usage names in names[]. */
static void
usage_names(const char **names, size_t n)
{
	size_t	i;

	for (i = 0; i + 1 < n && pki_usage_name(i) != NULL; i++)
		names[i] = pki_usage_name(i);
	names[i] = NULL;
}

/*
 * Appends usage name u to p (usages, ku, eku).  Returns PKI_ERR_INPUT for
 * an unknown name without touching err.
 */
static int
profile_add_usage(struct pki_profile *p, const char *u)
{
	int	 kind, value, *neku;

	if (pki_usage_lookup(u, &kind, &value) != 0)
		return PKI_ERR_INPUT;
	if (pki_strv_push(&p->usages, u) != 0)
		return PKI_ERR_ALLOC;
	if (kind == PKI_USAGE_KU) {
		p->ku |= (unsigned int)value;
		return PKI_OK;
	}
	if ((neku = reallocarray(p->eku, p->neku + 1, sizeof(*neku))) == NULL)
		return PKI_ERR_ALLOC;
	neku[p->neku++] = value;
	p->eku = neku;
	return PKI_OK;
}

/* A new profile called name with the given usages and expiry. */
static int
profile_new(const char *name, const char *const *usages, int64_t expiry,
    struct pki_profile **out, struct pki_error *err)
{
	struct pki_profile	*p = NULL;
	size_t			 i;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->name = strdup(name)) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	for (i = 0; usages[i] != NULL; i++)
		if ((r = profile_add_usage(p, usages[i])) != 0) {
			r = pki_err(err, r == PKI_ERR_ALLOC ? r :
			    PKI_ERR_INTERNAL, "%s: cannot add usage \"%s\"",
			    name, usages[i]);
			goto out;
		}
	p->expiry = expiry;
	*out = p;
	p = NULL;
	r = PKI_OK;
 out:
	pki_profile_free(p);
	return r;
}

/* ---- values -------------------------------------------------------- */

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	unsigned int	yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (unsigned int)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n digits at *sp into *v. */
static int
digits(const char **sp, int n, int *v)
{
	const char	*s = *sp;
	int		 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	return 0;
}

/*
 * Parses an RFC 3339 time as Go's time.Time.UnmarshalJSON does
 * ("2006-01-02T15:04:05Z07:00" with optional fractional seconds, which are
 * dropped) into seconds since the epoch, UTC.  Returns 0 or -1.
 */
static int
parse_rfc3339(const char *s, time_t *out)
{
	static const int mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int		y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t		t;

	if (digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    digits(&s, 2, &d) != 0 || *s++ != 'T' ||
	    digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    digits(&s, 2, &mi) != 0 || *s++ != ':' ||
	    digits(&s, 2, &sec) != 0)
		return -1;
	if (*s == '.') {
		if (!isdigit((unsigned char)s[1]))
			return -1;
		for (s++; isdigit((unsigned char)*s); s++)
			;
	}
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		sign = *s++ == '-' ? -1 : 1;
		if (digits(&s, 2, &oh) != 0 || *s++ != ':' ||
		    digits(&s, 2, &om) != 0 || oh > 23 || om > 59)
			return -1;
	} else
		return -1;
	if (*s != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && is_leap(y)) ||
	    h > 23 || mi > 59 || sec > 59)
		return -1;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= sign * (oh * 3600 + om * 60);
	*out = (time_t)t;
	return 0;
}

static int
get_time(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    time_t *t, int *present)
{
	int	r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_STRING)) != 0)
		return r;
	if (parse_rfc3339(json_string_value(v), t) != 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "invalid RFC 3339 time \"%s\" "
		    "(e.g. \"2030-01-01T00:00:00Z\")",
		    json_string_value(v));
	*present = 1;
	return PKI_OK;
}

/* Sets *out to v's string and checks it against the list allowed. */
static int
get_enum(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    const char *const *allowed, const char *what)
{
	const char	*s, *hint;
	char		 list[256];
	size_t		 i, n = 0;
	int		 r;

	if ((r = pki_json_expect(ctx, path, v, JSON_STRING)) != 0)
		return r;
	s = json_string_value(v);
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(s, allowed[i]) == 0)
			return PKI_OK;
	if ((hint = pki_json_suggest(s, allowed)) != NULL)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "unknown %s \"%s\" (did you mean \"%s\"?)", what, s, hint);
	list[0] = '\0';
	for (i = 0; allowed[i] != NULL && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : ", ", allowed[i]);
	return pki_json_err(ctx, PKI_ERR_CONFIG, path,
	    "unknown %s \"%s\" (known: %s)", what, s, list);
}

/* The POSIX bracket-expression text of an RE2 escape inside [...]. */
static const char *
re2_bracket_class(char c)
{
	switch (c) {
	case 'd': return "0-9";
	case 'w': return "0-9A-Za-z_";
	case 's': return "\t\n\f\r ";
	case 't': return "\t";
	case 'n': return "\n";
	case 'r': return "\r";
	case 'f': return "\f";
	case 'v': return "\v";
	default: return NULL;
	}
}

/* The POSIX text of an RE2 escape outside brackets. */
static const char *
re2_class(char c)
{
	switch (c) {
	case 'd': return "[0-9]";
	case 'D': return "[^0-9]";
	case 'w': return "[0-9A-Za-z_]";
	case 'W': return "[^0-9A-Za-z_]";
	case 's': return "[\t\n\f\r ]";
	case 'S': return "[^\t\n\f\r ]";
	default: return re2_bracket_class(c);
	}
}

/*
 * Translates the RE2 bracket expression at *sp (just after its '[') to
 * POSIX at *op, advancing both.  POSIX brackets have no escapes, so ']'
 * goes first, '^' and '-' last, escaped characters become plain ones and
 * \d \w \s are expanded.  Returns 0, or -1 with *why set.
 */
static int
re2_bracket(const char **sp, char **op, const char **why)
{
	const char	*s = *sp, *cls, *e;
	char		*o = *op, items[1024];
	size_t		 ni = 0, len;
	int		 neg = 0, dash = 0, rbr = 0, caret = 0;

	if (*s == '^') {
		neg = 1;
		s++;
	}
	if (*s == ']') {
		rbr = 1;
		s++;
	}
	while (*s != ']') {
		if (*s == '\0') {
			*why = "missing closing ]";
			return -1;
		}
		if (ni + 32 >= sizeof(items)) {
			*why = "bracket expression too long";
			return -1;
		}
		if (*s == '[' && s[1] == ':') {
			/* A POSIX class such as [:digit:], as RE2 has. */
			if ((e = strstr(s + 2, ":]")) == NULL) {
				*why = "missing :] in class";
				return -1;
			}
			len = (size_t)(e + 2 - s);
			if (ni + len + 1 >= sizeof(items)) {
				*why = "class name too long";
				return -1;
			}
			memcpy(items + ni, s, len);
			ni += len;
			s += len;
		} else if (*s == '\\') {
			s++;
			if (*s == '\0') {
				*why = "trailing backslash";
				return -1;
			} else if (*s == '-')
				dash = 1;
			else if (*s == ']')
				rbr = 1;
			else if (*s == '^')
				caret = 1;
			else if ((cls = re2_bracket_class(*s)) != NULL) {
				memcpy(items + ni, cls, strlen(cls));
				ni += strlen(cls);
			} else if (isalnum((unsigned char)*s)) {
				*why = "this escape is not supported in [...]";
				return -1;
			} else
				items[ni++] = *s;	/* \\ \. \[ ... */
			s++;
		} else if (*s == '^' && ni == 0) {
			/* Not first in POSIX, where it would negate. */
			caret = 1;
			s++;
		} else
			items[ni++] = *s++;
	}
	s++;
	if (!neg && !rbr && !dash && ni == 0 && caret) {
		/* "[\^]": no POSIX bracket expression holds just '^'. */
		*o++ = '\\';
		*o++ = '^';
	} else {
		*o++ = '[';
		if (neg)
			*o++ = '^';
		if (rbr)
			*o++ = ']';
		memcpy(o, items, ni);
		o += ni;
		if (caret)
			*o++ = '^';
		if (dash)
			*o++ = '-';
		*o++ = ']';
	}
	*sp = s;
	*op = o;
	return 0;
}

/* What RE2 accepts in a repetition, and the deepest group nesting. */
#define RE2_MAX_REPEAT		1000
#define RE2_MAX_DEPTH		100
/* The longest name_whitelist accepted. */
#define WHITELIST_MAX		4096

/* What came last in re2_repeats(). */
#define RA_NONE		0	/* nothing to repeat: start, '(' or '|' */
#define RA_ATOM		1
#define RA_GROUP	2	/* a group just closed */
#define RA_REPEAT	3
#define RA_LAZY		4	/* a repetition and its '?' */

/*
 * The length of a counted repetition {n}, {n,} or {n,m} at s, 0 when s
 * is none (RE2 takes the '{' literally then); *max is its largest count.
 */
static size_t
re2_count(const char *s, long *max)
{
	const char	*p = s + 1;
	long		 n = 0, m = -1;

	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p) && n <= RE2_MAX_REPEAT)
		n = n * 10 + (*p++ - '0');
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == ',') {
		p++;
		if (isdigit((unsigned char)*p)) {
			m = 0;
			while (isdigit((unsigned char)*p) &&
			    m <= RE2_MAX_REPEAT)
				m = m * 10 + (*p++ - '0');
			while (isdigit((unsigned char)*p))
				p++;
		}
	} else
		m = n;
	if (*p != '}')
		return 0;
	*max = m > n ? m : n;
	return (size_t)(p + 1 - s);
}

/*
 * Refuses what RE2 (cfssl's matcher) refuses about repetition, which a
 * backtracking or NFA-building matcher such as glibc's can take minutes
 * and gigabytes over: a repetition of a repetition ("\S++", "a**"), a
 * repetition of nothing, a count above 1000, nested counts whose product
 * is above 1000 ("(a{100}){100}"), and groups nested deeper than 100.
 * Returns 0, or -1 with *why set.
 */
static int
re2_repeats(const char *s, const char **why)
{
	long	 prod[RE2_MAX_DEPTH + 1], grp = 1, k;
	size_t	 n;
	int	 depth = 0, prev = RA_NONE;

	prod[0] = 1;
	while (*s != '\0') {
		switch (*s) {
		case '\\':
			s += s[1] != '\0' ? 2 : 1;
			prev = RA_ATOM;
			continue;
		case '[':
			/* To the closing ']' (a first ']' is literal). */
			s++;
			if (*s == '^')
				s++;
			if (*s == ']')
				s++;
			while (*s != '\0' && *s != ']')
				s += s[0] == '\\' && s[1] != '\0' ? 2 : 1;
			if (*s == ']')
				s++;
			prev = RA_ATOM;
			continue;
		case '(':
			if (depth == RE2_MAX_DEPTH) {
				*why = "groups nested too deep";
				return -1;
			}
			prod[++depth] = 1;
			prev = RA_NONE;
			if (s[1] == '?')
				s++;	/* "(?": refused by re2_to_posix */
			break;
		case ')':
			if (depth > 0) {
				grp = prod[depth--];
				if (grp > prod[depth])
					prod[depth] = grp;
				prev = RA_GROUP;
			} else
				prev = RA_ATOM;
			break;
		case '|':
			prev = RA_NONE;
			break;
		case '?':
			if (prev == RA_REPEAT) {
				prev = RA_LAZY;
				break;
			}
			__attribute__((fallthrough));
		case '*':
		case '+':
			if (prev == RA_REPEAT || prev == RA_LAZY) {
				*why = "bad repetition operator (a repetition "
				    "of a repetition, as RE2 refuses)";
				return -1;
			}
			if (prev == RA_NONE) {
				*why = "missing argument to repetition operator";
				return -1;
			}
			prev = RA_REPEAT;
			break;
		case '{':
			if ((n = re2_count(s, &k)) == 0) {
				prev = RA_ATOM;
				break;
			}
			if (prev == RA_REPEAT || prev == RA_LAZY) {
				*why = "bad repetition operator (a repetition "
				    "of a repetition, as RE2 refuses)";
				return -1;
			}
			if (prev == RA_NONE) {
				*why = "missing argument to repetition operator";
				return -1;
			}
			if (prev == RA_GROUP)
				k *= grp;
			if (k > RE2_MAX_REPEAT) {
				*why = "bad repetition count (more than 1000, "
				    "also nested, as RE2 refuses)";
				return -1;
			}
			if (k > prod[depth])
				prod[depth] = k;
			prev = RA_REPEAT;
			s += n;
			continue;
		default:
			prev = RA_ATOM;
			break;
		}
		s++;
	}
	return 0;
}

/*
 * Translates a Go RE2 pattern into a POSIX extended one: the shorthands
 * \d \D \w \W \s \S become bracket expressions and bracket expressions
 * are rewritten for POSIX (see re2_bracket).  RE2-only syntax (flags,
 * non-greedy repeats, \b, \pL, ...) is refused with *why set.  Returns 0
 * and a malloc'ed *out, -1 with *why, or PKI_ERR_ALLOC.
 */
static int
re2_to_posix(const char *in, char **out, const char **why)
{
	const char	*s = in, *cls;
	char		*o, *b;
	size_t		 n;

	*out = NULL;
	*why = NULL;
	/* The longest expansion is 2 input bytes to 13 ("\W"). */
	if ((b = malloc(strlen(in) * 8 + 8)) == NULL)
		return PKI_ERR_ALLOC;
	o = b;
	while (*s != '\0') {
		if (*s == '[') {
			s++;
			if (re2_bracket(&s, &o, why) != 0)
				goto fail;
			continue;
		}
		if (*s == '(' && s[1] == '?') {
			*why = "(?...) groups and flags are not supported";
			goto fail;
		}
		if ((*s == '*' || *s == '+' || *s == '?' || *s == '}') &&
		    s[1] == '?') {
			*why = "non-greedy repetition is not supported";
			goto fail;
		}
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		if (*s == '\0') {
			*why = "trailing backslash";
			goto fail;
		}
		if ((cls = re2_class(*s)) != NULL) {
			n = strlen(cls);
			memcpy(o, cls, n);
			o += n;
			s++;
			continue;
		}
		if (isalnum((unsigned char)*s)) {
			*why = "escape sequences other than \\d \\D \\w \\W "
			    "\\s \\S \\t \\n \\r \\f \\v are not supported";
			goto fail;
		}
		/* An escaped punctuation character stays escaped if special. */
		if (strchr(".[]()*+?{}|^$\\", *s) != NULL)
			*o++ = '\\';
		*o++ = *s++;
	}
	*o = '\0';
	*out = b;
	return 0;
 fail:
	free(b);
	return -1;
}

/* Compiles name_whitelist into p. */
static int
compile_whitelist(struct pki_json_ctx *ctx, const char *path,
    struct pki_profile *p)
{
	char		*posix = NULL, msg[200];
	const char	*why;
	int		 r, rc;

	if (strlen(p->name_whitelist) > WHITELIST_MAX)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path, "invalid regular "
		    "expression: longer than %d bytes", WHITELIST_MAX);
	if (re2_repeats(p->name_whitelist, &why) != 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "invalid regular expression: %s", why);
	if ((r = re2_to_posix(p->name_whitelist, &posix, &why)) != 0) {
		if (r == PKI_ERR_ALLOC)
			return pki_json_err(ctx, r, path, "out of memory");
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "invalid regular expression: %s", why);
	}
	rc = regcomp(&p->whitelist_re, posix, REG_EXTENDED | REG_NOSUB);
	free(posix);
	if (rc != 0) {
		regerror(rc, &p->whitelist_re, msg, sizeof(msg));
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "invalid regular expression: %s", msg);
	}
	p->has_whitelist = 1;
	return PKI_OK;
}

/* Returns 1 if s is a non-empty even-length hex string. */
static int
is_hex(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n % 2 == 0 && strspn(s, "0123456789abcdefABCDEF") == n;
}

/* ---- sections ------------------------------------------------------ */

static int
parse_auth_keys(struct pki_json_ctx *ctx, const json_t *obj,
    struct pki_config *cfg)
{
	const char	*name, *key;
	json_t		*v, *vals[AK__N];
	char		 path[PKI_JSON_PATH_MAX], fpath[PKI_JSON_PATH_MAX];
	int		 r;

	if ((r = pki_json_expect(ctx, "auth_keys", obj, JSON_OBJECT)) != 0)
		return r;
	json_object_foreach((json_t *)(uintptr_t)obj, name, v) {
		pki_json_path_key(path, sizeof(path), "auth_keys", name);
		if ((r = pki_json_fields(ctx, path, v, authkey_fields,
		    vals)) != 0)
			return r;
		pki_json_path_key(fpath, sizeof(fpath), path, "type");
		if (vals[AK_TYPE] == NULL)
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "missing (the only type is \"standard\")");
		if ((r = pki_json_expect(ctx, fpath, vals[AK_TYPE],
		    JSON_STRING)) != 0)
			return r;
		if (strcmp(json_string_value(vals[AK_TYPE]), "standard") != 0)
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "unknown authentication type \"%s\" (the only "
			    "type is \"standard\")",
			    json_string_value(vals[AK_TYPE]));
		pki_json_path_key(fpath, sizeof(fpath), path, "key");
		if (vals[AK_KEY] == NULL)
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "missing");
		if ((r = pki_json_expect(ctx, fpath, vals[AK_KEY],
		    JSON_STRING)) != 0)
			return r;
		key = json_string_value(vals[AK_KEY]);
		/* env: and file: keys are read when used, as cfssl does. */
		if ((strncmp(key, "env:", 4) == 0 && key[4] != '\0') ||
		    (strncmp(key, "file:", 5) == 0 && key[5] != '\0'))
			;
		else if (!is_hex(key))
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "not an even-length hex string, env:VAR or "
			    "file:PATH");
		if (pki_strv_push(&cfg->auth_key_names, name) != 0 ||
		    pki_strv_push(&cfg->auth_key_values, key) != 0)
			return pki_json_err(ctx, PKI_ERR_ALLOC, path,
			    "out of memory");
	}
	return PKI_OK;
}

static int
parse_remotes(struct pki_json_ctx *ctx, const json_t *obj,
    struct pki_config *cfg)
{
	const char	*name;
	json_t		*v;
	char		 path[PKI_JSON_PATH_MAX];
	int		 r;

	if ((r = pki_json_expect(ctx, "remotes", obj, JSON_OBJECT)) != 0)
		return r;
	json_object_foreach((json_t *)(uintptr_t)obj, name, v) {
		pki_json_path_key(path, sizeof(path), "remotes", name);
		if ((r = pki_json_expect(ctx, path, v, JSON_STRING)) != 0)
			return r;
		if (*json_string_value(v) == '\0')
			return pki_json_err(ctx, PKI_ERR_CONFIG, path,
			    "empty (expected host:port or a URL)");
		if (pki_strv_push(&cfg->remote_names, name) != 0 ||
		    pki_strv_push(&cfg->remote_urls,
		    json_string_value(v)) != 0)
			return pki_json_err(ctx, PKI_ERR_ALLOC, path,
			    "out of memory");
	}
	return PKI_OK;
}

static int
parse_ocsp(struct pki_json_ctx *ctx, const json_t *obj)
{
	json_t		*vals[OC__N];
	char		*s = NULL;
	long long	 iv = 0;
	int		 i, r;

	if ((r = pki_json_fields(ctx, "ocsp", obj, ocsp_fields, vals)) != 0)
		return r;
	for (i = OC_CACERT; i <= OC_KEY; i++) {
		char	path[PKI_JSON_PATH_MAX];

		pki_json_path_key(path, sizeof(path), "ocsp", ocsp_fields[i]);
		r = pki_json_string(ctx, path, vals[i], &s);
		free(s);
		s = NULL;
		if (r != 0)
			return r;
	}
	if ((r = pki_json_int(ctx, "ocsp.Interval", vals[OC_INTERVAL],
	    LLONG_MIN, LLONG_MAX, &iv)) != 0)
		return r;
	pki_json_warn(ctx, "ocsp", "ignored: etcd-pki does not run an OCSP "
	    "responder");
	return PKI_OK;
}

/* Returns 1 if name is in sv. */
static int
strv_has(const struct pki_strv *sv, const char *name)
{
	size_t	i;

	for (i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], name) == 0)
			return 1;
	return 0;
}

/* Checks that a profile's reference to an auth key or remote exists. */
static int
check_ref(struct pki_json_ctx *ctx, const char *path, const char *name,
    const struct pki_strv *known, const char *what, const char *section)
{
	char	list[256];
	size_t	i, n = 0;

	if (name == NULL || strv_has(known, name))
		return PKI_OK;
	if (known->n == 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "unknown %s \"%s\" (there is no \"%s\" section)", what,
		    name, section);
	list[0] = '\0';
	for (i = 0; i < known->n && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : ", ", known->v[i]);
	return pki_json_err(ctx, PKI_ERR_CONFIG, path,
	    "unknown %s \"%s\" (%s has: %s)", what, name, section, list);
}

/* A reference name: "" means unset, as in cfssl. */
static int
get_ref(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    char **out)
{
	int	r;

	if ((r = pki_json_string(ctx, path, v, out)) != 0)
		return r;
	if (*out != NULL && **out == '\0') {
		free(*out);
		*out = NULL;
	}
	return PKI_OK;
}

static int
parse_usages(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    struct pki_profile *p)
{
	const char	*names[40], *u, *hint;
	json_t		*e;
	size_t		 i;
	char		 ipath[PKI_JSON_PATH_MAX], list[400];
	size_t		 n = 0, j;
	int		 r;

	if ((r = pki_json_expect(ctx, path, v, JSON_ARRAY)) != 0)
		return r;
	json_array_foreach(v, i, e) {
		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = pki_json_expect(ctx, ipath, e, JSON_STRING)) != 0)
			return r;
		u = json_string_value(e);
		r = profile_add_usage(p, u);
		if (r == PKI_ERR_ALLOC)
			return pki_json_err(ctx, r, ipath, "out of memory");
		if (r == 0)
			continue;
		/* cfssl drops it; the certificate lacks what was meant. */
		usage_names(names, sizeof(names) / sizeof(names[0]));
		if ((hint = pki_json_suggest(u, names)) != NULL) {
			if ((r = pki_json_policy(ctx, PKI_ERR_CONFIG, ipath,
			    "unknown usage \"%s\" (did you mean \"%s\"?) is "
			    "left out, as cfssl does", u, hint)) != 0)
				return r;
			continue;
		}
		list[0] = '\0';
		for (j = 0, n = 0; names[j] != NULL && n < sizeof(list); j++)
			n += snprintf(list + n, sizeof(list) - n, "%s%s",
			    j == 0 ? "" : ", ", names[j]);
		if ((r = pki_json_policy(ctx, PKI_ERR_CONFIG, ipath,
		    "unknown usage \"%s\" is left out, as cfssl does (known: "
		    "%s)", u, list)) != 0)
			return r;
	}
	return PKI_OK;
}

static int
parse_ca_constraint(struct pki_json_ctx *ctx, const char *path,
    const json_t *obj, struct pki_profile *p)
{
	json_t		*vals[CC__N];
	char		 fpath[PKI_JSON_PATH_MAX];
	long long	 mpl = 0;
	int		 r;

	if ((r = pki_json_fields(ctx, path, obj, caconstraint_fields,
	    vals)) != 0)
		return r;
	pki_json_path_key(fpath, sizeof(fpath), path, "is_ca");
	if ((r = pki_json_bool(ctx, fpath, vals[CC_IS_CA], &p->is_ca)) != 0)
		return r;
	pki_json_path_key(fpath, sizeof(fpath), path, "max_path_len");
	if ((r = pki_json_int(ctx, fpath, vals[CC_MAX_PATH_LEN], 0, INT_MAX,
	    &mpl)) != 0)
		return r;
	p->max_path_len = (int)mpl;
	pki_json_path_key(fpath, sizeof(fpath), path, "max_path_len_zero");
	return pki_json_bool(ctx, fpath, vals[CC_MAX_PATH_LEN_ZERO],
	    &p->max_path_len_zero);
}

static int
parse_auth_remote(struct pki_json_ctx *ctx, const char *path,
    const json_t *obj, struct pki_profile *p)
{
	json_t	*vals[AR__N];
	char	 fpath[PKI_JSON_PATH_MAX];
	int	 r, i;
	char	**dst[AR__N];

	if ((r = pki_json_fields(ctx, path, obj, authremote_fields,
	    vals)) != 0)
		return r;
	dst[AR_REMOTE] = &p->remote;
	dst[AR_AUTH_KEY] = &p->auth_remote_key;
	for (i = 0; i < AR__N; i++) {
		pki_json_path_key(fpath, sizeof(fpath), path,
		    authremote_fields[i]);
		if ((r = get_ref(ctx, fpath, vals[i], dst[i])) != 0)
			return r;
		if (*dst[i] == NULL)
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "missing");
	}
	return PKI_OK;
}

static int
parse_policies(struct pki_json_ctx *ctx, const char *path, const json_t *arr,
    struct pki_profile *p)
{
	json_t			*e, *q, *vals[PO__N], *qvals[Q__N];
	struct pki_policy	*pol;
	size_t			 i, j, nq;
	char			 epath[PKI_JSON_PATH_MAX];
	char			 fpath[PKI_JSON_PATH_MAX];
	char			 qpath[PKI_JSON_PATH_MAX];
	char			 tpath[PKI_JSON_PATH_MAX];
	const char		*type;
	int			 r;

	if ((r = pki_json_expect(ctx, path, arr, JSON_ARRAY)) != 0)
		return r;
	if (json_array_size(arr) == 0)
		return PKI_OK;
	if ((p->policies = calloc(json_array_size(arr),
	    sizeof(*p->policies))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, path, "out of memory");
	json_array_foreach(arr, i, e) {
		pki_json_path_index(epath, sizeof(epath), path, i);
		pol = &p->policies[p->npolicies++];
		if ((r = pki_json_fields(ctx, epath, e, policy_fields,
		    vals)) != 0)
			return r;
		pki_json_path_key(fpath, sizeof(fpath), epath, "ID");
		if (vals[PO_ID] == NULL)
			return pki_json_err(ctx, PKI_ERR_CONFIG, fpath,
			    "missing");
		if ((r = pki_json_string(ctx, fpath, vals[PO_ID],
		    &pol->oid)) != 0 ||
		    (r = pki_json_check_oid(ctx, fpath, pol->oid)) != 0)
			return r;
		if (vals[PO_QUALIFIERS] == NULL)
			continue;
		pki_json_path_key(fpath, sizeof(fpath), epath, "Qualifiers");
		if ((r = pki_json_expect(ctx, fpath, vals[PO_QUALIFIERS],
		    JSON_ARRAY)) != 0)
			return r;
		if ((nq = json_array_size(vals[PO_QUALIFIERS])) == 0)
			continue;
		if ((pol->quals = calloc(nq, sizeof(*pol->quals))) == NULL)
			return pki_json_err(ctx, PKI_ERR_ALLOC, fpath,
			    "out of memory");
		json_array_foreach(vals[PO_QUALIFIERS], j, q) {
			pki_json_path_index(qpath, sizeof(qpath), fpath, j);
			if ((r = pki_json_fields(ctx, qpath, q,
			    qualifier_fields, qvals)) != 0)
				return r;
			pki_json_path_key(tpath, sizeof(tpath), qpath, "Type");
			if (qvals[Q_TYPE] == NULL)
				return pki_json_err(ctx, PKI_ERR_CONFIG, tpath,
				    "missing (id-qt-cps or id-qt-unotice)");
			if ((r = pki_json_expect(ctx, tpath, qvals[Q_TYPE],
			    JSON_STRING)) != 0)
				return r;
			type = json_string_value(qvals[Q_TYPE]);
			if (strcmp(type, "id-qt-cps") == 0)
				pol->quals[pol->nquals].type =
				    PKI_POLICY_QUAL_CPS;
			else if (strcmp(type, "id-qt-unotice") == 0)
				pol->quals[pol->nquals].type =
				    PKI_POLICY_QUAL_NOTICE;
			else
				return pki_json_err(ctx, PKI_ERR_CONFIG, tpath,
				    "invalid policy qualifier type \"%s\" "
				    "(id-qt-cps or id-qt-unotice)", type);
			pki_json_path_key(tpath, sizeof(tpath), qpath,
			    "Value");
			r = pki_json_string(ctx, tpath, qvals[Q_VALUE],
			    &pol->quals[pol->nquals].value);
			pol->nquals++;
			if (r != 0)
				return r;
			if (pol->quals[pol->nquals - 1].value == NULL &&
			    (pol->quals[pol->nquals - 1].value =
			    strdup("")) == NULL)
				return pki_json_err(ctx, PKI_ERR_ALLOC, tpath,
				    "out of memory");
		}
	}
	return PKI_OK;
}

static int
parse_csr_whitelist(struct pki_json_ctx *ctx, const char *path,
    const json_t *obj, struct pki_csr_whitelist *wl)
{
	json_t	*vals[W__N];
	char	 fpath[PKI_JSON_PATH_MAX];
	int	*dst[W__N];
	int	 i, r;

	if ((r = pki_json_fields(ctx, path, obj, csrwl_fields, vals)) != 0)
		return r;
	dst[W_SUBJECT] = &wl->subject;
	dst[W_PUBKEY_ALG] = &wl->pubkey_alg;
	dst[W_PUBKEY] = &wl->pubkey;
	dst[W_SIGALG] = &wl->sigalg;
	dst[W_DNS] = &wl->dns;
	dst[W_IP] = &wl->ip;
	dst[W_EMAIL] = &wl->email;
	dst[W_URI] = &wl->uri;
	for (i = 0; i < W__N; i++) {
		pki_json_path_key(fpath, sizeof(fpath), path, csrwl_fields[i]);
		if ((r = pki_json_bool(ctx, fpath, vals[i], dst[i])) != 0)
			return r;
	}
	wl->present = 1;
	return PKI_OK;
}

/* The keys cfssl accepts that etcd-pki ignores: type-check, then warn. */
#define IGN_STRING	0	/* a string */
#define IGN_STRV	1	/* an array of strings */
#define IGN_ENUM	2	/* a string from a list */
#define IGN_ENUM_ARRAY	3	/* an array of strings from a list */

static const struct {
	int			 field;
	int			 kind;
	const char *const	*allowed;	/* IGN_ENUM*: the list */
	const char		*what;		/* IGN_ENUM*: its name */
	const char		*why;
} ignored_fields[] = {
	{ P_CT_LOG_SERVERS, IGN_STRV, NULL, NULL,
	    "etcd-pki does not submit certificates to certificate "
	    "transparency logs" },
	{ P_CERT_STORE, IGN_STRING, NULL, NULL,
	    "etcd-pki does not use a certificate store (cfssl does not "
	    "either)" },
	{ P_LINT_ERROR_LEVEL, IGN_ENUM, lint_levels, "lint level",
	    "etcd-pki does not lint certificates (zlint)" },
	{ P_IGNORED_LINTS, IGN_STRV, NULL, NULL,
	    "etcd-pki does not lint certificates (zlint)" },
	{ P_IGNORED_LINT_SOURCES, IGN_ENUM_ARRAY, lint_sources, "lint source",
	    "etcd-pki does not lint certificates (zlint)" },
};

static int
parse_ignored(struct pki_json_ctx *ctx, const struct profile_src *src)
{
	struct pki_strv	 sv = { NULL, 0 };
	char		*s = NULL;
	char		 path[PKI_JSON_PATH_MAX], ipath[PKI_JSON_PATH_MAX];
	json_t		*v, *e;
	size_t		 f, i;
	int		 r = PKI_OK;

	for (f = 0; f < sizeof(ignored_fields) / sizeof(ignored_fields[0]);
	    f++) {
		if ((v = src->vals[ignored_fields[f].field]) == NULL)
			continue;
		pki_json_path_key(path, sizeof(path), src->path,
		    profile_fields[ignored_fields[f].field]);
		switch (ignored_fields[f].kind) {
		case IGN_STRING:
			r = pki_json_string(ctx, path, v, &s);
			free(s);
			s = NULL;
			break;
		case IGN_STRV:
			r = pki_json_strv(ctx, path, v, &sv);
			pki_strv_clear(&sv);
			break;
		case IGN_ENUM:
			r = get_enum(ctx, path, v, ignored_fields[f].allowed,
			    ignored_fields[f].what);
			break;
		default:
			if ((r = pki_json_expect(ctx, path, v,
			    JSON_ARRAY)) != 0)
				break;
			json_array_foreach(v, i, e) {
				pki_json_path_index(ipath, sizeof(ipath), path,
				    i);
				if ((r = get_enum(ctx, ipath, e,
				    ignored_fields[f].allowed,
				    ignored_fields[f].what)) != 0)
					break;
			}
			break;
		}
		if (r != 0)
			break;
		pki_json_warn(ctx, path, "ignored: %s", ignored_fields[f].why);
	}
	pki_strv_clear(&sv);
	free(s);
	return r;
}

/*
 * Parses one profile object at src->path into a new *out (name is its
 * name, "default" for signing.default).  Cross-references and defaults
 * are checked later by check_profile().
 */
static int
parse_profile(struct pki_json_ctx *ctx, const char *name, const json_t *obj,
    struct profile_src *src, struct pki_profile **out)
{
	struct pki_profile	*p = NULL;
	json_t			**vals = src->vals;
	size_t			 i;
	char			 path[PKI_JSON_PATH_MAX];
	char			 ipath[PKI_JSON_PATH_MAX];
	int			 r = PKI_ERR_INTERNAL;

#define FIELD_PATH(f) \
	pki_json_path_key(path, sizeof(path), src->path, profile_fields[f])

	*out = NULL;
	if ((r = pki_json_fields_hint(ctx, src->path, obj, profile_fields,
	    profile_hints, vals)) != 0)
		goto out;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->name = strdup(name)) == NULL ||
	    asprintf(&p->where, "%s: %s", ctx->source, src->path) == -1) {
		if (p != NULL)
			p->where = NULL;
		r = pki_json_err(ctx, PKI_ERR_ALLOC, src->path,
		    "out of memory");
		goto out;
	}
	FIELD_PATH(P_USAGES);
	if (vals[P_USAGES] != NULL &&
	    (r = parse_usages(ctx, path, vals[P_USAGES], p)) != 0)
		goto out;
	FIELD_PATH(P_ISSUER_URLS);
	if ((r = pki_json_strv(ctx, path, vals[P_ISSUER_URLS],
	    &p->issuer_urls)) != 0)
		goto out;
	src->has_issuer_urls = vals[P_ISSUER_URLS] != NULL;
	FIELD_PATH(P_OCSP_URL);
	if ((r = pki_json_string(ctx, path, vals[P_OCSP_URL],
	    &p->ocsp_url)) != 0)
		goto out;
	FIELD_PATH(P_CRL_URL);
	if ((r = pki_json_string(ctx, path, vals[P_CRL_URL],
	    &p->crl_url)) != 0)
		goto out;
	FIELD_PATH(P_CA_CONSTRAINT);
	if (vals[P_CA_CONSTRAINT] != NULL &&
	    (r = parse_ca_constraint(ctx, path, vals[P_CA_CONSTRAINT],
	    p)) != 0)
		goto out;
	FIELD_PATH(P_OCSP_NO_CHECK);
	if ((r = pki_json_bool(ctx, path, vals[P_OCSP_NO_CHECK],
	    &p->ocsp_no_check)) != 0)
		goto out;
	FIELD_PATH(P_EXPIRY);
	if ((r = pki_json_duration(ctx, path, vals[P_EXPIRY], &p->expiry,
	    &src->has_expiry)) != 0)
		goto out;
	if (src->has_expiry && p->expiry < 0) {
		r = pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "must be positive (got \"%s\")",
		    json_string_value(vals[P_EXPIRY]));
		goto out;
	}
	FIELD_PATH(P_BACKDATE);
	if ((r = pki_json_duration(ctx, path, vals[P_BACKDATE], &p->backdate,
	    NULL)) != 0)
		goto out;
	if (p->backdate < 0) {
		r = pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "must not be negative (got \"%s\")",
		    json_string_value(vals[P_BACKDATE]));
		goto out;
	}
	FIELD_PATH(P_AUTH_KEY);
	if ((r = get_ref(ctx, path, vals[P_AUTH_KEY], &p->auth_key)) != 0)
		goto out;
	FIELD_PATH(P_PREV_AUTH_KEY);
	{
		char	*prev = NULL;

		r = get_ref(ctx, path, vals[P_PREV_AUTH_KEY], &prev);
		free(prev);
		if (r != 0)
			goto out;
	}
	FIELD_PATH(P_REMOTE);
	if ((r = get_ref(ctx, path, vals[P_REMOTE], &p->remote)) != 0)
		goto out;
	FIELD_PATH(P_NOT_BEFORE);
	if ((r = get_time(ctx, path, vals[P_NOT_BEFORE], &p->not_before,
	    &p->has_not_before)) != 0)
		goto out;
	FIELD_PATH(P_NOT_AFTER);
	if ((r = get_time(ctx, path, vals[P_NOT_AFTER], &p->not_after,
	    &p->has_not_after)) != 0)
		goto out;
	if (p->has_not_before && p->has_not_after &&
	    p->not_after < p->not_before) {
		r = pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "%s is before not_before (%s)",
		    json_string_value(vals[P_NOT_AFTER]),
		    json_string_value(vals[P_NOT_BEFORE]));
		goto out;
	}
	FIELD_PATH(P_NAME_WHITELIST);
	if ((r = pki_json_string(ctx, path, vals[P_NAME_WHITELIST],
	    &p->name_whitelist)) != 0)
		goto out;
	if (p->name_whitelist != NULL &&
	    (r = compile_whitelist(ctx, path, p)) != 0)
		goto out;
	FIELD_PATH(P_AUTH_REMOTE);
	if (vals[P_AUTH_REMOTE] != NULL) {
		if (p->remote != NULL) {
			r = pki_json_err(ctx, PKI_ERR_CONFIG, src->path,
			    "remote and auth_remote are mutually exclusive");
			goto out;
		}
		if ((r = parse_auth_remote(ctx, path, vals[P_AUTH_REMOTE],
		    p)) != 0)
			goto out;
	}
	FIELD_PATH(P_ALLOWED_EXTENSIONS);
	if ((r = pki_json_strv(ctx, path, vals[P_ALLOWED_EXTENSIONS],
	    &p->allowed_extensions)) != 0)
		goto out;
	for (i = 0; i < p->allowed_extensions.n; i++) {
		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = pki_json_check_oid(ctx, ipath,
		    p->allowed_extensions.v[i])) != 0)
			goto out;
	}
	FIELD_PATH(P_COPY_EXTENSIONS);
	if ((r = pki_json_bool(ctx, path, vals[P_COPY_EXTENSIONS],
	    &p->copy_extensions)) != 0)
		goto out;
	FIELD_PATH(P_POLICIES);
	if (vals[P_POLICIES] != NULL &&
	    (r = parse_policies(ctx, path, vals[P_POLICIES], p)) != 0)
		goto out;
	FIELD_PATH(P_CSR_WHITELIST);
	if (vals[P_CSR_WHITELIST] != NULL &&
	    (r = parse_csr_whitelist(ctx, path, vals[P_CSR_WHITELIST],
	    &p->csr_whitelist)) != 0)
		goto out;
	FIELD_PATH(P_CLIENT_SERIALS);
	if ((r = pki_json_bool(ctx, path, vals[P_CLIENT_SERIALS],
	    &p->client_serials)) != 0)
		goto out;
	if ((r = parse_ignored(ctx, src)) != 0)
		goto out;
#undef FIELD_PATH
	*out = p;
	p = NULL;
	r = PKI_OK;
 out:
	pki_profile_free(p);
	return r;
}

/*
 * The checks that need the whole file: references to auth_keys and
 * remotes, expiry and usages of local profiles.
 */
static int
check_profile(struct pki_json_ctx *ctx, const struct pki_config *cfg,
    const struct profile_src *src, const struct pki_profile *p,
    int is_default)
{
	char	path[PKI_JSON_PATH_MAX];
	int	r;

	pki_json_path_key(path, sizeof(path), src->path,
	    src->vals[P_AUTH_REMOTE] != NULL ? "auth_remote.remote" : "remote");
	if ((r = check_ref(ctx, path, p->remote, &cfg->remote_names,
	    "remote", "remotes")) != 0)
		return r;
	pki_json_path_key(path, sizeof(path), src->path,
	    "auth_remote.auth_key");
	if ((r = check_ref(ctx, path, p->auth_remote_key,
	    &cfg->auth_key_names, "auth key", "auth_keys")) != 0)
		return r;
	pki_json_path_key(path, sizeof(path), src->path, "auth_key");
	if ((r = check_ref(ctx, path, p->auth_key, &cfg->auth_key_names,
	    "auth key", "auth_keys")) != 0)
		return r;
	if (src->vals[P_PREV_AUTH_KEY] != NULL &&
	    *json_string_value(src->vals[P_PREV_AUTH_KEY]) != '\0') {
		pki_json_path_key(path, sizeof(path), src->path,
		    "prev_auth_key");
		if ((r = check_ref(ctx, path,
		    json_string_value(src->vals[P_PREV_AUTH_KEY]),
		    &cfg->auth_key_names, "auth key", "auth_keys")) != 0)
			return r;
	}
	if (pki_profile_is_remote(p))
		return PKI_OK;
	pki_json_path_key(path, sizeof(path), src->path, "expiry");
	if (!src->has_expiry)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path, "missing "
		    "(every profile needs an expiry, e.g. \"8760h\")");
	if (is_default && p->expiry == 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path,
		    "must be positive (got \"%s\")",
		    json_string_value(src->vals[P_EXPIRY]));
	if (is_default)
		return PKI_OK;
	pki_json_path_key(path, sizeof(path), src->path, "usages");
	if (src->vals[P_USAGES] == NULL)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path, "missing "
		    "(a profile needs at least one usage, e.g. [\"signing\", "
		    "\"key encipherment\", \"server auth\"])");
	if (p->usages.n == 0 && json_array_size(src->vals[P_USAGES]) > 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path, "no known "
		    "usage (cfssl: \"invalid configuration\"; a profile needs "
		    "at least one, e.g. [\"signing\", \"key encipherment\", "
		    "\"server auth\"])");
	if (p->usages.n == 0)
		return pki_json_err(ctx, PKI_ERR_CONFIG, path, "empty "
		    "(a profile needs at least one usage, e.g. [\"signing\", "
		    "\"key encipherment\", \"server auth\"])");
	return PKI_OK;
}

/* Applies what cfssl takes from the default profile at signing time. */
static int
inherit(struct pki_profile *p, const struct profile_src *src,
    const struct pki_profile *def)
{
	size_t	i;

	if ((p->ocsp_url == NULL || *p->ocsp_url == '\0') &&
	    def->ocsp_url != NULL) {
		free(p->ocsp_url);
		if ((p->ocsp_url = strdup(def->ocsp_url)) == NULL)
			return PKI_ERR_ALLOC;
	}
	if ((p->crl_url == NULL || *p->crl_url == '\0') &&
	    def->crl_url != NULL) {
		free(p->crl_url);
		if ((p->crl_url = strdup(def->crl_url)) == NULL)
			return PKI_ERR_ALLOC;
	}
	if (!src->has_issuer_urls)
		for (i = 0; i < def->issuer_urls.n; i++)
			if (pki_strv_push(&p->issuer_urls,
			    def->issuer_urls.v[i]) != 0)
				return PKI_ERR_ALLOC;
	/* signer.FillTemplate: an expiry of 0 means the default's. */
	if (p->expiry == 0)
		p->expiry = def->expiry;
	return PKI_OK;
}

static int
parse_config(struct pki_json_ctx *ctx, const json_t *root,
    struct pki_config *cfg)
{
	json_t			*vals[CF__N], *svals[SG__N], *v;
	struct profile_src	 dsrc, *srcs = NULL;
	struct pki_profile	*p = NULL;
	const char		*name;
	char			 paths[2][PKI_JSON_PATH_MAX];
	char			(*ppaths)[PKI_JSON_PATH_MAX] = NULL;
	size_t			 n, i;
	int			 r = PKI_ERR_INTERNAL;

	memset(&dsrc, 0, sizeof(dsrc));
	if ((r = pki_json_fields_hint(ctx, "", root, config_fields,
	    config_hints, vals)) != 0)
		goto out;
	if (vals[CF_AUTH_KEYS] != NULL &&
	    (r = parse_auth_keys(ctx, vals[CF_AUTH_KEYS], cfg)) != 0)
		goto out;
	if (vals[CF_REMOTES] != NULL &&
	    (r = parse_remotes(ctx, vals[CF_REMOTES], cfg)) != 0)
		goto out;
	if (vals[CF_OCSP] != NULL &&
	    (r = parse_ocsp(ctx, vals[CF_OCSP])) != 0)
		goto out;
	if (vals[CF_SIGNING] == NULL) {
		r = pki_json_err(ctx, PKI_ERR_CONFIG, "signing", "missing");
		goto out;
	}
	if ((r = pki_json_fields(ctx, "signing", vals[CF_SIGNING],
	    signing_fields, svals)) != 0)
		goto out;

	/* signing.default, or cfssl's built-in one. */
	if (svals[SG_DEFAULT] != NULL) {
		snprintf(paths[0], sizeof(paths[0]), "signing.default");
		dsrc.path = paths[0];
		if ((r = parse_profile(ctx, "default", svals[SG_DEFAULT],
		    &dsrc, &cfg->def)) != 0 ||
		    (r = check_profile(ctx, cfg, &dsrc, cfg->def, 1)) != 0)
			goto out;
	} else if ((r = profile_new("default", default_usages,
	    DEFAULT_EXPIRY, &cfg->def, ctx->err)) != 0)
		goto out;

	if (svals[SG_PROFILES] == NULL) {
		r = PKI_OK;
		goto out;
	}
	snprintf(paths[1], sizeof(paths[1]), "signing.profiles");
	if ((r = pki_json_expect(ctx, paths[1], svals[SG_PROFILES],
	    JSON_OBJECT)) != 0)
		goto out;
	if ((n = json_object_size(svals[SG_PROFILES])) == 0) {
		r = PKI_OK;
		goto out;
	}
	if ((cfg->profiles = calloc(n, sizeof(*cfg->profiles))) == NULL ||
	    (srcs = calloc(n, sizeof(*srcs))) == NULL ||
	    (ppaths = calloc(n, sizeof(*ppaths))) == NULL) {
		r = pki_json_err(ctx, PKI_ERR_ALLOC, paths[1], "out of memory");
		goto out;
	}
	i = 0;
	json_object_foreach(svals[SG_PROFILES], name, v) {
		pki_json_path_key(ppaths[i], sizeof(ppaths[i]), paths[1], name);
		srcs[i].path = ppaths[i];
		if ((r = parse_profile(ctx, name, v, &srcs[i], &p)) != 0 ||
		    (r = check_profile(ctx, cfg, &srcs[i], p, 0)) != 0)
			goto out;
		cfg->profiles[cfg->nprofiles++] = p;
		p = NULL;
		i++;
	}
	for (i = 0; i < cfg->nprofiles; i++)
		if ((r = inherit(cfg->profiles[i], &srcs[i], cfg->def)) != 0) {
			r = pki_json_err(ctx, r, srcs[i].path, "out of memory");
			goto out;
		}
	r = PKI_OK;
 out:
	pki_profile_free(p);
	free(srcs);
	free(ppaths);
	return r;
}

int
pki_config_parse(const char *buf, size_t len, const char *source,
    const struct pki_parse_opts *opts, struct pki_config **out,
    struct pki_error *err)
{
	struct pki_json_ctx	 ctx;
	struct pki_config	*cfg = NULL;
	json_t			*root = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (source == NULL)
		source = "<input>";
	ctx.source = source;
	ctx.opts = opts;
	ctx.err = err;
	if ((r = pki_json_load_go(&ctx, buf, len, &root)) != 0)
		goto out;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->source = strdup(source)) == NULL) {
		r = pki_json_err(&ctx, PKI_ERR_ALLOC, "", "out of memory");
		goto out;
	}
	if ((r = parse_config(&ctx, root, cfg)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	r = PKI_OK;
 out:
	json_decref(root);
	pki_config_free(cfg);
	return r;
}

int
pki_config_new_default(struct pki_config **out, struct pki_error *err)
{
	struct pki_config	*cfg = NULL;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->source = strdup("<built-in default>")) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	if ((r = profile_new("default", default_usages, DEFAULT_EXPIRY,
	    &cfg->def, err)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	r = PKI_OK;
 out:
	pki_config_free(cfg);
	return r;
}

int
pki_config_profile(const struct pki_config *cfg, const char *name,
    const struct pki_profile **out, struct pki_error *err)
{
	char	list[400];
	size_t	i, n;

	*out = NULL;
	if (name == NULL || *name == '\0') {
		*out = cfg->def;
		return PKI_OK;
	}
	/* A profile named "default" wins over signing.default, as in cfssl. */
	for (i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i]->name, name) == 0) {
			*out = cfg->profiles[i];
			return PKI_OK;
		}
	if (strcmp(name, "default") == 0) {
		*out = cfg->def;
		return PKI_OK;
	}
	n = (size_t)snprintf(list, sizeof(list), "default");
	for (i = 0; i < cfg->nprofiles && n < sizeof(list); i++)
		if (strcmp(cfg->profiles[i]->name, "default") != 0)
			n += snprintf(list + n, sizeof(list) - n, ", %s",
			    cfg->profiles[i]->name);
	return pki_err(err, PKI_ERR_PROFILE, "unknown profile \"%s\" "
	    "(known: %s)", name, list);
}

int
pki_profile_is_remote(const struct pki_profile *p)
{
	return p->remote != NULL;
}

int
pki_profile_new_ca(const struct pki_csr *csr, int64_t expiry_override,
    struct pki_profile **out, struct pki_error *err)
{
	struct pki_profile	*p = NULL;
	int64_t			 expiry = CA_EXPIRY;
	int			 r = PKI_ERR_INTERNAL;

	*out = NULL;
	if (expiry_override >= 0)
		expiry = expiry_override;
	else if (csr->has_ca_expiry)
		expiry = csr->ca_expiry;
	if ((r = profile_new("ca", ca_usages, expiry, &p, err)) != 0)
		goto out;
	if (csr->has_ca_backdate)
		p->backdate = csr->ca_backdate;
	/* The policy's messages name the CSR's ca.expiry. */
	if (expiry_override < 0 && csr->has_ca_expiry &&
	    asprintf(&p->where, "%s: ca", csr->source != NULL ? csr->source :
	    "<input>") == -1) {
		p->where = NULL;
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	p->is_ca = 1;
	p->max_path_len = csr->ca_pathlen;
	/* cfssl: "ignore invalid 'pathlenzero' value" when pathlen != 0. */
	p->max_path_len_zero = csr->ca_pathlen != 0 ? 0 : csr->ca_pathlenzero;
	if (csr->crl_url != NULL && (p->crl_url = strdup(csr->crl_url)) ==
	    NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "out of memory");
		goto out;
	}
	*out = p;
	p = NULL;
	r = PKI_OK;
 out:
	pki_profile_free(p);
	return r;
}
