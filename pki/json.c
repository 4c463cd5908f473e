/*
 * json.c: path-aware JSON helpers with Go encoding/json key matching.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"
#include "json.h"
#include "caps.h"

const char *
pki_json_errtext(const char *text)
{
	if (strstr(text, "JSON_ALLOW_NUL") != NULL)
		return "NUL character (\\u0000) in a string";
	if (strncmp(text, "NUL byte in object key", 22) == 0)
		return "NUL character (\\u0000) in an object key";
	if (strncmp(text, "maximum parsing depth reached", 29) == 0)
		return "nested too deeply (more than 2048 levels)";
	return text;
}

/* Parses buf with jansson flags; the syntax errors of pki_json_load_go(). */
static int
json_parse(const char *buf, size_t len, const char *source, size_t flags,
    json_t **out, struct pki_error *err)
{
	json_error_t	 jerr;
	json_t		*root;
	const char	*nul, *p;
	size_t		 i;

	*out = NULL;
	pki_err_source(err, source);
	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
		    buf[i] != '\r')
			break;
	if (i == len)
		return pki_err(err, PKI_ERR_JSON, "%s: empty input, expected "
		    "a JSON object", source);
	root = json_loadb(buf, len, flags | JSON_DECODE_ANY, &jerr);
	if (root != NULL && (nul = memchr(buf, '\0', len)) != NULL) {
		/*
		 * jansson refuses a NUL byte in a string or a key, but one
		 * right after a number ends the number and is skipped: "[1\0]"
		 * loads as [1].  Go's encoding/json refuses it, and so do we.
		 */
		json_decref(root);
		root = NULL;
		snprintf(jerr.text, sizeof(jerr.text), "NUL byte (0x00) "
		    "outside a string");
		for (jerr.line = 1, jerr.column = 1, p = buf; p < nul; p++) {
			if (*p == '\n') {
				jerr.line++;
				jerr.column = 1;
			} else
				jerr.column++;
		}
	}
	if (root == NULL) {
		pki_err(err, PKI_ERR_JSON, "%s:%d:%d: %s", source, jerr.line,
		    jerr.column, pki_json_errtext(jerr.text));
		if (err != NULL) {
			err->line = jerr.line;
			err->column = jerr.column;
		}
		return PKI_ERR_JSON;
	}
	*out = root;
	return PKI_OK;
}

/*
 * The repeated-key scan of pki_json_load_go(), one pass over the text.
 * jansson has parsed it already, so it is well-formed JSON and the scanner
 * only needs to find its way.  Repetitions inside a value that lost to a
 * later one are reported too: they are in the file all the same.
 */
struct dup_scan {
	struct pki_json_ctx	*ctx;
	const char		*p, *end;
};

static void
dup_ws(struct dup_scan *ds)
{
	while (ds->p < ds->end && (*ds->p == ' ' || *ds->p == '\t' ||
	    *ds->p == '\n' || *ds->p == '\r'))
		ds->p++;
}

/* Skips a string token; *esc is set when it holds a backslash. */
static void
dup_string(struct dup_scan *ds, int *esc)
{
	*esc = 0;
	for (ds->p++; ds->p < ds->end && *ds->p != '"'; ds->p++)
		if (*ds->p == '\\') {
			*esc = 1;
			ds->p++;
		}
	ds->p++;
}

/* The key of the object member at ds->p, decoded; malloc'ed. */
static char *
dup_key(struct dup_scan *ds)
{
	const char	*start = ds->p;
	json_t		*k;
	char		*s;
	int		 esc;

	dup_string(ds, &esc);
	if (!esc)
		return strndup(start + 1, (size_t)(ds->p - start - 2));
	if ((k = json_loadb(start, (size_t)(ds->p - start), JSON_DECODE_ANY,
	    NULL)) == NULL)
		return NULL;
	s = json_is_string(k) ? strdup(json_string_value(k)) : NULL;
	json_decref(k);
	return s;
}

static int dup_value(struct dup_scan *, const char *);

/* The object at ds->p; reports each key written again later in it. */
static int
dup_object(struct dup_scan *ds, const char *path)
{
	json_t		*seen = NULL, *first;
	char		 kpath[PKI_JSON_PATH_MAX], *key = NULL;
	int		 r = PKI_ERR_ALLOC;

	if ((seen = json_object()) == NULL)
		goto out;
	for (ds->p++, dup_ws(ds); ds->p < ds->end && *ds->p != '}';) {
		if ((key = dup_key(ds)) == NULL) {
			r = PKI_ERR_ALLOC;
			goto out;
		}
		pki_json_path_key(kpath, sizeof(kpath), path, key);
		if ((first = json_object_get(seen, key)) != NULL) {
			if ((r = pki_json_policy(ds->ctx, PKI_ERR_INPUT, kpath,
			    "key \"%s\" repeated in one object; the last one "
			    "wins, as in cfssl", key)) != PKI_OK)
				goto out;
		} else if (json_object_set_new(seen, key, json_true()) != 0) {
			r = PKI_ERR_ALLOC;
			goto out;
		}
		free(key);
		key = NULL;
		dup_ws(ds);
		ds->p++;			/* ':' */
		if ((r = dup_value(ds, kpath)) != PKI_OK)
			goto out;
		dup_ws(ds);
		if (ds->p < ds->end && *ds->p == ',') {
			ds->p++;
			dup_ws(ds);
		}
	}
	ds->p++;
	r = PKI_OK;
 out:
	free(key);
	json_decref(seen);
	if (r == PKI_ERR_ALLOC)
		r = pki_json_err(ds->ctx, r, path, "out of memory");
	return r;
}

/* Scans the value at ds->p (at path) and leaves ds->p after it. */
static int
dup_value(struct dup_scan *ds, const char *path)
{
	char	ipath[PKI_JSON_PATH_MAX];
	size_t	i;
	int	esc, r;

	dup_ws(ds);
	if (ds->p >= ds->end)
		return PKI_OK;
	if (*ds->p == '{')
		return dup_object(ds, path);
	if (*ds->p == '"') {
		dup_string(ds, &esc);
		return PKI_OK;
	}
	if (*ds->p != '[') {
		/* strchr would match a NUL byte: one must not stop the scan. */
		while (ds->p < ds->end && (*ds->p == '\0' ||
		    strchr(",]} \t\r\n", *ds->p) == NULL))
			ds->p++;
		return PKI_OK;
	}
	for (i = 0, ds->p++, dup_ws(ds); ds->p < ds->end && *ds->p != ']';
	    i++) {
		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = dup_value(ds, ipath)) != PKI_OK)
			return r;
		dup_ws(ds);
		if (ds->p < ds->end && *ds->p == ',') {
			ds->p++;
			dup_ws(ds);
		}
	}
	ds->p++;
	return PKI_OK;
}

int
pki_json_load_go(struct pki_json_ctx *ctx, const char *buf, size_t len,
    json_t **out)
{
	struct dup_scan	 ds;
	json_t		*root = NULL;
	int		 r;

	*out = NULL;
	if ((r = json_parse(buf, len, ctx->source, 0, &root, ctx->err)) != 0)
		return r;
	ds.ctx = ctx;
	ds.p = buf;
	ds.end = buf + len;
	if ((r = dup_value(&ds, "")) != PKI_OK) {
		json_decref(root);
		return r;
	}
	*out = root;
	return PKI_OK;
}

void
pki_json_path_key(char *buf, size_t len, const char *parent, const char *key)
{
	if (parent == NULL || *parent == '\0')
		snprintf(buf, len, "%s", key);
	else
		snprintf(buf, len, "%s.%s", parent, key);
}

void
pki_json_path_index(char *buf, size_t len, const char *parent, size_t i)
{
	snprintf(buf, len, "%s[%zu]", parent == NULL ? "" : parent, i);
}

/* Formats "source: path: msg" (or without the empty parts) into buf. */
static void json_vformat(char *, size_t, const struct pki_json_ctx *,
    const char *, const char *, va_list) __attribute__((format(printf, 5, 0)));

static void
json_vformat(char *buf, size_t len, const struct pki_json_ctx *ctx,
    const char *path, const char *fmt, va_list ap)
{
	int	n;

	if (path != NULL && *path != '\0')
		n = snprintf(buf, len, "%s: %s: ", ctx->source, path);
	else
		n = snprintf(buf, len, "%s: ", ctx->source);
	/* A message that does not fit is truncated. */
	if (n >= 0 && (size_t)n < len)
		vsnprintf(buf + n, len - (size_t)n, fmt, ap);
}

int
pki_json_err(struct pki_json_ctx *ctx, int code, const char *path,
    const char *fmt, ...)
{
	char	text[sizeof(((struct pki_error *)0)->text)];
	va_list	ap;

	va_start(ap, fmt);
	json_vformat(text, sizeof(text), ctx, path, fmt, ap);
	va_end(ap);
	pki_err_source(ctx->err, ctx->source);
	return pki_err(ctx->err, code, "%s", text);
}

void
pki_json_warn(struct pki_json_ctx *ctx, const char *path, const char *fmt,
    ...)
{
	char	text[sizeof(((struct pki_error *)0)->text)];
	va_list	ap;

	if (ctx->opts == NULL || ctx->opts->warn == NULL)
		return;
	va_start(ap, fmt);
	json_vformat(text, sizeof(text), ctx, path, fmt, ap);
	va_end(ap);
	ctx->opts->warn(ctx->opts->warn_arg, text);
}

int
pki_json_policy(struct pki_json_ctx *ctx, int code, const char *path,
    const char *fmt, ...)
{
	char	text[sizeof(((struct pki_error *)0)->text)];
	va_list	ap;

	va_start(ap, fmt);
	json_vformat(text, sizeof(text), ctx, path, fmt, ap);
	va_end(ap);
	if (ctx->opts != NULL && ctx->opts->strict) {
		pki_err_source(ctx->err, ctx->source);
		return pki_err(ctx->err, code, "%s", text);
	}
	if (ctx->opts != NULL && ctx->opts->warn != NULL)
		ctx->opts->warn(ctx->opts->warn_arg, text);
	return PKI_OK;
}

const char *
pki_json_type_name(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "real";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

/* The text of a type in "expected X". */
static const char *
json_want_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

int
pki_json_expect(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    json_type t)
{
	if (t == JSON_TRUE || t == JSON_FALSE) {
		if (json_is_boolean(v))
			return PKI_OK;
	} else if (v != NULL && json_typeof(v) == t)
		return PKI_OK;
	return pki_json_err(ctx, PKI_ERR_INPUT, path, "expected %s, got %s",
	    json_want_name(t), pki_json_type_name(v));
}

/* Lower-cases s into buf, dropping '_', '-' and ' ' when squash is set. */
static void
json_fold(char *buf, size_t len, const char *s, int squash)
{
	size_t	n = 0;

	for (; *s != '\0' && n + 1 < len; s++) {
		if (squash && (*s == '_' || *s == '-' || *s == ' '))
			continue;
		buf[n++] = (char)tolower((unsigned char)*s);
	}
	buf[n] = '\0';
}

/*
 * Returns 1 if the folded a and b have the same number of space-separated
 * words, at least two, and each word of a starts as the one of b does (its
 * first four letters, or the whole shorter word): "digital signing" and
 * "digital signature", "client authentication" and "client auth".
 */
static int
json_words_alike(const char *a, const char *b)
{
	size_t	la, lb, n;
	int	words = 0;

	for (;;) {
		la = strcspn(a, " ");
		lb = strcspn(b, " ");
		n = la < lb ? la : lb;
		if (n > 4)
			n = 4;
		if (n == 0 || strncmp(a, b, n) != 0)
			return 0;
		words++;
		a += la;
		b += lb;
		if (*a == '\0' || *b == '\0')
			return *a == *b && words >= 2;
		a++;
		b++;
	}
}

const char *
pki_json_suggest(const char *word, const char *const *cands)
{
	const char	*best = NULL;
	size_t		 bestd = (size_t)-1, d, wl;
	char		 fw[128], fc[128], sw[128], sc[128];
	int		 ok;

	json_fold(fw, sizeof(fw), word, 0);
	json_fold(sw, sizeof(sw), word, 1);
	wl = strlen(fw);
	for (; *cands != NULL; cands++) {
		json_fold(fc, sizeof(fc), *cands, 0);
		json_fold(sc, sizeof(sc), *cands, 1);
		d = pki_edit_distance(fw, fc);
		ok = d <= 2 || strcmp(sw, sc) == 0 ||
		    (wl >= 3 && strncmp(fc, fw, wl) == 0) ||
		    (strlen(fc) >= 3 && strncmp(fw, fc, strlen(fc)) == 0) ||
		    json_words_alike(fw, fc);
		if (strcmp(sw, sc) == 0)
			d = 0;
		if (ok && (best == NULL || d < bestd)) {
			best = *cands;
			bestd = d;
		}
	}
	return best;
}

/* Returns 1 if a and b are equal ignoring ASCII case. */
static int
json_fold_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/*
 * Reports the unknown key "key" of the object at parent; the message names
 * the key's own path ("ca.expire: unknown key "expire", did you mean ...").
 */
static int
json_unknown_key(struct pki_json_ctx *ctx, const char *parent,
    const char *key, const char *const *names,
    const struct pki_json_hint *hints)
{
	const char	*hint;
	char		 list[384], path[PKI_JSON_PATH_MAX];
	size_t		 i, n = 0;
	int		 strict = ctx->opts != NULL && ctx->opts->strict;

	pki_json_path_key(path, sizeof(path), parent, key);

	for (; hints != NULL && hints->key != NULL; hints++) {
		if (!json_fold_eq(key, hints->key))
			continue;
		if (strict)
			return pki_json_err(ctx, PKI_ERR_UNKNOWN_KEY, path,
			    "unknown key \"%s\"%s", key, hints->text);
		pki_json_warn(ctx, path, "unknown key \"%s\"%s", key,
		    hints->text);
		return PKI_OK;
	}
	if ((hint = pki_json_suggest(key, names)) != NULL) {
		if (strict)
			return pki_json_err(ctx, PKI_ERR_UNKNOWN_KEY, path,
			    "unknown key \"%s\", did you mean \"%s\"?", key,
			    hint);
		pki_json_warn(ctx, path, "unknown key \"%s\", did you mean "
		    "\"%s\"?", key, hint);
		return PKI_OK;
	}
	list[0] = '\0';
	for (i = 0; names[i] != NULL && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
		    i == 0 ? "" : ", ", names[i]);
	if (strict)
		return pki_json_err(ctx, PKI_ERR_UNKNOWN_KEY, path,
		    "unknown key \"%s\" (known: %s)", key, list);
	pki_json_warn(ctx, path, "unknown key \"%s\" (known: %s)", key, list);
	return PKI_OK;
}

int
pki_json_fields(struct pki_json_ctx *ctx, const char *path,
    const json_t *obj, const char *const *names, json_t **vals)
{
	return pki_json_fields_hint(ctx, path, obj, names, NULL, vals);
}

int
pki_json_fields_hint(struct pki_json_ctx *ctx, const char *path,
    const json_t *obj, const char *const *names,
    const struct pki_json_hint *hints, json_t **vals)
{
	const char	 *key, **seen = NULL;
	json_t		 *v;
	size_t		  n, i;
	char		  kpath[PKI_JSON_PATH_MAX];
	int		  r = PKI_ERR_INTERNAL;

	for (n = 0; names[n] != NULL; n++)
		vals[n] = NULL;
	if ((r = pki_json_expect(ctx, path, obj, JSON_OBJECT)) != 0)
		return r;
	if (n > 0 && (seen = calloc(n, sizeof(*seen))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, path, "out of memory");
	/* json_object_foreach takes a non-const object; we only read it. */
	json_object_foreach((json_t *)(uintptr_t)obj, key, v) {
		for (i = 0; i < n; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i == n)
			for (i = 0; i < n; i++)
				if (json_fold_eq(key, names[i]))
					break;
		if (i == n) {
			if ((r = json_unknown_key(ctx, path, key, names,
			    hints)) != 0)
				goto out;
			continue;
		}
		/* Go decodes both into the field: the later one wins. */
		if (seen[i] != NULL) {
			pki_json_path_key(kpath, sizeof(kpath), path, key);
			if ((r = pki_json_policy(ctx, PKI_ERR_INPUT, kpath,
			    "\"%s\" and \"%s\" are the same key to cfssl (case "
			    "is ignored); the last one wins, as in cfssl",
			    seen[i], key)) != 0)
				goto out;
		}
		seen[i] = key;
		vals[i] = json_is_null(v) ? NULL : v;
	}
	r = PKI_OK;
 out:
	free(seen);
	return r;
}

int
pki_json_string(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    char **out)
{
	char	*s;
	int	 r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_STRING)) != 0)
		return r;
	if ((s = strdup(json_string_value(v))) == NULL)
		return pki_json_err(ctx, PKI_ERR_ALLOC, path, "out of memory");
	free(*out);
	*out = s;
	return PKI_OK;
}

int
pki_json_bool(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    int *out)
{
	int	r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_TRUE)) != 0)
		return r;
	*out = json_is_true(v);
	return PKI_OK;
}

int
pki_json_int(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    long long min, long long max, long long *out)
{
	json_int_t	i;
	int		r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_INTEGER)) != 0)
		return r;
	i = json_integer_value(v);
	if (i < min)
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "%lld is %s (minimum %lld)", (long long)i,
		    i < 0 ? "negative" : "too small", min);
	if (i > max)
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "%lld is too large (maximum %lld)", (long long)i, max);
	*out = i;
	return PKI_OK;
}

int
pki_json_strv(struct pki_json_ctx *ctx, const char *path, const json_t *v,
    struct pki_strv *out)
{
	struct pki_strv	 sv = { NULL, 0 };
	json_t		*e;
	size_t		 i;
	char		 ipath[PKI_JSON_PATH_MAX];
	int		 r = PKI_ERR_INTERNAL;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_ARRAY)) != 0)
		return r;
	json_array_foreach(v, i, e) {
		pki_json_path_index(ipath, sizeof(ipath), path, i);
		if ((r = pki_json_expect(ctx, ipath, e, JSON_STRING)) != 0)
			goto out;
		if ((r = pki_strv_push(&sv, json_string_value(e))) != 0) {
			r = pki_json_err(ctx, r, ipath, "out of memory");
			goto out;
		}
	}
	pki_strv_clear(out);
	*out = sv;
	sv.v = NULL;
	sv.n = 0;
	r = PKI_OK;
 out:
	pki_strv_clear(&sv);
	return r;
}

int
pki_json_duration(struct pki_json_ctx *ctx, const char *path,
    const json_t *v, int64_t *ns, int *present)
{
	struct pki_error	derr;
	int64_t			d = 0;
	int			r;

	if (v == NULL)
		return PKI_OK;
	if ((r = pki_json_expect(ctx, path, v, JSON_STRING)) != 0)
		return r;
	memset(&derr, 0, sizeof(derr));
	if ((r = pki_duration_parse(json_string_value(v), &d, &derr)) != 0)
		return pki_json_err(ctx, r, path, "%s", derr.text);
	*ns = d;
	if (present != NULL)
		*present = 1;
	return PKI_OK;
}

int
pki_json_check_oid(struct pki_json_ctx *ctx, const char *path,
    const char *oid)
{
	const char	*p, *e;
	size_t		 narcs = 0, len;
	unsigned long	 first = 0, second = 0;

	if (*oid == '\0')
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "invalid OID \"\"");
	for (p = oid;; p = e + 1) {
		e = strchr(p, '.');
		len = e == NULL ? strlen(p) : (size_t)(e - p);
		if (len == 0 || strspn(p, "0123456789") < len ||
		    (len > 1 && *p == '0'))
			return pki_json_err(ctx, PKI_ERR_INPUT, path,
			    "invalid OID part %s%.*s%s", len == 0 ? "\"" : "",
			    (int)len, p, len == 0 ? "\"" : "");
		if (narcs < 2) {
			/* Only the first two arcs have limits. */
			unsigned long	val = len > 3 ? 1000 :
			    strtoul(p, NULL, 10);

			if (narcs == 0)
				first = val;
			else
				second = val;
		}
		narcs++;
		if (e == NULL)
			break;
	}
	if (narcs < 2)
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "invalid OID \"%s\": at least two arcs needed", oid);
	if (first > 2)
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "invalid OID \"%s\": the first arc must be 0, 1 or 2", oid);
	if (first < 2 && second > 39)
		return pki_json_err(ctx, PKI_ERR_INPUT, path,
		    "invalid OID \"%s\": the second arc must be at most 39 "
		    "when the first is 0 or 1", oid);
	return PKI_OK;
}
