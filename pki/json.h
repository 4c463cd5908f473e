/*
 * json.h: a small path-aware layer over jansson for the JSON input parsers
 * (csr.c, config.c).  Private to pki/.
 *
 * It gives cfssl's inputs Go encoding/json semantics where users rely on
 * them (object keys match field names case-insensitively, an exact match
 * preferred; JSON null for a field means "absent") and reports every
 * problem as one line "source: json.path: problem".
 *
 * Paths name values the way a reader finds them: "key.size",
 * "names[1].OU", "signing.profiles.peer.usages[2]"; the top-level object
 * is the empty path "".  Field names in paths are the canonical spellings.
 *
 * json_t references: every json_t pointer these functions hand out or take
 * is borrowed from the document returned by pki_json_load_go(), which the
 * caller owns and releases with json_decref().
 */
#ifndef PKI_JSON_H
#define PKI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "internal.h"

/* Longest path kept (longer ones are truncated in messages only). */
#define PKI_JSON_PATH_MAX	256

/* State shared by the walkers of one document. */
struct pki_json_ctx {
	const char			*source;	/* file or label */
	const struct pki_parse_opts	*opts;		/* may be NULL */
	struct pki_error		*err;		/* may be NULL */
};

/*
 * Parses buf (len bytes) as exactly one JSON value (trailing data is an
 * error, and so is a NUL character).  On a syntax error returns
 * PKI_ERR_JSON with ctx->err->text "source:LINE:COL: problem" and
 * err->line/column set.  A key repeated in one object is accepted as Go
 * decodes it, the last one winning, and each repetition is reported
 * through ctx's warning sink ("names[0].OU: key "OU" repeated in one
 * object; ...") or, with ctx->opts->strict, is a PKI_ERR_INPUT error.
 * On success *out is a new reference.
 */
int	pki_json_load_go(struct pki_json_ctx *ctx, const char *buf,
	    size_t len, json_t **out) PKI_MUST_CHECK;

/* Writes "parent.key" (or "key" at the top) into buf. */
void	pki_json_path_key(char *buf, size_t len, const char *parent,
	    const char *key);
/* Writes "parent[i]" into buf. */
void	pki_json_path_index(char *buf, size_t len, const char *parent,
	    size_t i);

/*
 * Fills err with code and "source: path: <fmt>" (or "source: <fmt>" for
 * the empty path) and returns code.
 */
int	pki_json_err(struct pki_json_ctx *ctx, int code, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * What the strictness policy does with something cfssl accepts but that
 * deserves a word: with ctx->opts->strict, pki_json_err() with code;
 * otherwise "source: path: <fmt>" goes to the warning sink and 0 is
 * returned.
 */
int	pki_json_policy(struct pki_json_ctx *ctx, int code, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sends "source: path: <fmt>" to the warning sink of ctx->opts, if any. */
void	pki_json_warn(struct pki_json_ctx *ctx, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Returns the name of v's JSON type: "object", "integer", "real", ... */
const char *pki_json_type_name(const json_t *v);

/*
 * Returns the candidate (from the NULL-terminated list) the user probably
 * meant by word, or NULL: the closest one by edit distance (ignoring case)
 * if that distance is at most 2, or one equal to word up to case, '_',
 * '-' and ' ', or one that starts with word or that word starts with (3
 * characters or more), or one of as many words (two or more), each
 * starting as word's does ("digital signing": "digital signature").
 */
const char *pki_json_suggest(const char *word, const char *const *cands);

/*
 * Matches the members of object obj (at path) against the known field
 * names (a NULL-terminated list of canonical spellings): vals[i] receives
 * the value of names[i], or NULL when absent or JSON null.  A key matches
 * a name exactly or, failing that, case-insensitively (Go's rule); of two
 * keys for one field ("CN", "cn") the later wins, reported as by
 * pki_json_policy().  Unknown
 * keys are reported through the warning sink ("path.x: unknown key "x",
 * did you mean "y"?"), or are PKI_ERR_UNKNOWN_KEY errors in strict mode.
 * obj must be an object ("expected object, got array" otherwise).
 */
int	pki_json_fields(struct pki_json_ctx *ctx, const char *path,
	    const json_t *obj, const char *const *names, json_t **vals)
	    PKI_MUST_CHECK;

/*
 * A better message for a known misplaced key: text follows the quoted key,
 * e.g. ", did you mean \"ca_constraint.is_ca\"?".
 */
struct pki_json_hint {
	const char	*key;		/* matched ignoring case */
	const char	*text;
};

/*
 * pki_json_fields() with hints (a list ended by a NULL key) tried before
 * the edit-distance suggestion for unknown keys.
 */
int	pki_json_fields_hint(struct pki_json_ctx *ctx, const char *path,
	    const json_t *obj, const char *const *names,
	    const struct pki_json_hint *hints, json_t **vals) PKI_MUST_CHECK;

/*
 * Typed getters.  Each takes the value v found at path; when v is NULL
 * (absent or null) it returns 0 and leaves the output alone, so defaults
 * set beforehand survive.  A value of another type is PKI_ERR_INPUT
 * "path: expected string, got integer".
 */
/* Replaces *out (freeing the old string) with a copy of the string v. */
int	pki_json_string(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, char **out) PKI_MUST_CHECK;
/* Sets *out to 0 or 1. */
int	pki_json_bool(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, int *out) PKI_MUST_CHECK;
/*
 * Sets *out from a JSON integer in [min, max] (a real such as 256.0 is
 * refused, as Go refuses it for an int field).
 */
int	pki_json_int(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, long long min, long long max, long long *out)
	    PKI_MUST_CHECK;
/* Replaces *out with the strings of array v ("path[i]" in messages). */
int	pki_json_strv(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, struct pki_strv *out) PKI_MUST_CHECK;
/*
 * Parses the duration string v into *ns and sets *present to 1;
 * "path: invalid duration "x"" on a bad value.
 */
int	pki_json_duration(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, int64_t *ns, int *present) PKI_MUST_CHECK;
/* Checks that v (not NULL) has type t, else "expected <what>, got ...". */
int	pki_json_expect(struct pki_json_ctx *ctx, const char *path,
	    const json_t *v, json_type t) PKI_MUST_CHECK;

/*
 * Checks a dotted-decimal object identifier: at least two decimal arcs,
 * the first 0, 1 or 2, the second at most 39 when the first is 0 or 1.
 * Returns 0, or PKI_ERR_INPUT with "path: invalid OID ..." in ctx's err.
 */
int	pki_json_check_oid(struct pki_json_ctx *ctx, const char *path,
	    const char *oid) PKI_MUST_CHECK;

/*
 * pki_csr_parse() for a CSR JSON object already parsed (root is
 * borrowed): the same checks and result as parsing its text, under the
 * policy opts (may be NULL), without the text (its repeated keys are the
 * parser's of the text it came from).  source names it in messages.
 */
int	pki_csr_from_json(const json_t *root, const char *source,
	    const struct pki_parse_opts *opts, struct pki_csr **out,
	    struct pki_error *err) PKI_MUST_CHECK;

#endif /* PKI_JSON_H */
