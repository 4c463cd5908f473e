/*
 * name.c: the subject model, Go's pkix.Name as cfssl uses it.
 *
 * A struct pki_subject is built from the CSR JSON (csr.Name()) or from a
 * parsed X509_NAME (FillFromRDNSequence, keeping non-standard attributes
 * as extras as cfssl master does), and encoded back as Go's
 * ToRDNSequence does: a fixed order of types, one multi-valued RDN per
 * type, PrintableString when every byte allows it, else UTF8String.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"

/* The multi-valued standard types, in ToRDNSequence order. */
static const struct stdattr {
	int		 nid;
	const char	*name;		/* for messages */
	size_t		 off;		/* of the struct pki_strv */
} stdattrs[] = {
#define SOFF(f)	offsetof(struct pki_subject, f)
	{ NID_countryName,		"C",		SOFF(c) },
	{ NID_stateOrProvinceName,	"ST",		SOFF(st) },
	{ NID_localityName,		"L",		SOFF(l) },
	{ NID_streetAddress,		"street",	SOFF(street) },
	{ NID_postalCode,		"postalCode",	SOFF(postal) },
	{ NID_organizationName,		"O",		SOFF(o) },
	{ NID_organizationalUnitName,	"OU",		SOFF(ou) },
#undef SOFF
};
#define NSTDATTRS	(sizeof(stdattrs) / sizeof(stdattrs[0]))

#define OID_EMAIL	"1.2.840.113549.1.9.1"

static struct pki_strv *
subj_list(struct pki_subject *s, size_t i)
{
	return (struct pki_strv *)((char *)s + stdattrs[i].off);
}

static const struct pki_strv *
subj_clist(const struct pki_subject *s, size_t i)
{
	return (const struct pki_strv *)((const char *)s + stdattrs[i].off);
}

static int
strv_copy(struct pki_strv *dst, const struct pki_strv *src)
{
	size_t	i;
	int	r;

	for (i = 0; i < src->n; i++)
		if ((r = pki_strv_push(dst, src->v[i])) != 0)
			return r;
	return PKI_OK;
}

static int
is_set(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Replaces *dst by a copy of src (NULL or "" give NULL). */
static int
set_str(char **dst, const char *src)
{
	char	*dup = NULL;

	if (is_set(src) && (dup = strdup(src)) == NULL)
		return PKI_ERR_ALLOC;
	free(*dst);
	*dst = dup;
	return PKI_OK;
}

static int
push_extra(struct pki_subject *s, const char *oid, const char *value)
{
	struct pki_oidval	*nv;
	char			*o = NULL, *v = NULL;

	if ((o = strdup(oid)) == NULL || (v = strdup(value)) == NULL) {
		free(o);
		return PKI_ERR_ALLOC;
	}
	nv = reallocarray(s->extra, s->nextra + 1, sizeof(*nv));
	if (nv == NULL) {
		free(o);
		free(v);
		return PKI_ERR_ALLOC;
	}
	s->extra = nv;
	s->extra[s->nextra].oid = o;
	s->extra[s->nextra].value = v;
	s->nextra++;
	return PKI_OK;
}

void
pki_subject_clear(struct pki_subject *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < NSTDATTRS; i++)
		pki_strv_clear(subj_list(s, i));
	free(s->cn);
	free(s->serial);
	for (i = 0; i < s->nextra; i++) {
		free(s->extra[i].oid);
		free(s->extra[i].value);
	}
	free(s->extra);
	memset(s, 0, sizeof(*s));
}

int
pki_subject_is_empty(const struct pki_subject *s)
{
	size_t	i;

	for (i = 0; i < NSTDATTRS; i++)
		if (subj_clist(s, i)->n > 0)
			return 0;
	return !is_set(s->cn) && !is_set(s->serial) && s->nextra == 0;
}

int
pki_subject_from_csr(const struct pki_csr *csr, struct pki_subject *s,
    struct pki_error *err)
{
	const struct pki_nameent	*n;
	size_t				 i, j;
	int				 r = PKI_ERR_ALLOC;

	memset(s, 0, sizeof(*s));
	if (set_str(&s->cn, csr->cn) != 0 ||
	    set_str(&s->serial, csr->serialnumber) != 0)
		goto out;
	for (i = 0; i < csr->nnames; i++) {
		n = &csr->names[i];
		if ((is_set(n->c) && pki_strv_push(&s->c, n->c) != 0) ||
		    (is_set(n->st) && pki_strv_push(&s->st, n->st) != 0) ||
		    (is_set(n->l) && pki_strv_push(&s->l, n->l) != 0) ||
		    (is_set(n->o) && pki_strv_push(&s->o, n->o) != 0) ||
		    (is_set(n->ou) && pki_strv_push(&s->ou, n->ou) != 0))
			goto out;
		for (j = 0; j < n->noids; j++)
			if (push_extra(s, n->oids[j].oid,
			    n->oids[j].value != NULL ? n->oids[j].value : "") !=
			    0)
				goto out;
		if (is_set(n->e) && push_extra(s, OID_EMAIL, n->e) != 0)
			goto out;
	}
	r = PKI_OK;
 out:
	if (r != PKI_OK) {
		pki_subject_clear(s);
		return pki_err(err, r, "subject: out of memory");
	}
	return r;
}

/* Short name of an attribute type for messages ("O", "1.2.3.4"). */
static void
attr_name(const ASN1_OBJECT *obj, char *buf, size_t len)
{
	size_t	i;
	int	nid;

	nid = OBJ_obj2nid(obj);
	for (i = 0; i < NSTDATTRS; i++)
		if (stdattrs[i].nid == nid) {
			snprintf(buf, len, "%s", stdattrs[i].name);
			return;
		}
	if (nid == NID_commonName)
		snprintf(buf, len, "CN");
	else if (nid == NID_serialNumber)
		snprintf(buf, len, "serialNumber");
	else if (OBJ_obj2txt(buf, (int)len, obj, 1) <= 0)
		snprintf(buf, len, "attribute");
}

/*
 * Converts an attribute value to UTF-8; *out is malloc'ed (plus a NUL
 * not counted in *outlen) and may contain NUL bytes.
 */
static int
value_utf8(const ASN1_STRING *v, const char *what, char **out,
    size_t *outlen, struct pki_error *err)
{
	unsigned char	*u = NULL;
	int		 n;

	*out = NULL;
	*outlen = 0;
	if ((n = ASN1_STRING_to_UTF8(&u, v)) < 0)
		return pki_err_ssl(err, PKI_ERR_INPUT,
		    "subject: %s: cannot convert %s to UTF-8", what,
		    ASN1_tag2str(ASN1_STRING_type(v)));
	if ((*out = malloc((size_t)n + 1)) == NULL) {
		OPENSSL_free(u);
		return pki_err(err, PKI_ERR_ALLOC, "subject: out of memory");
	}
	memcpy(*out, u, (size_t)n);
	(*out)[n] = '\0';
	*outlen = (size_t)n;
	OPENSSL_free(u);
	return PKI_OK;
}

int
pki_asn1_string_utf8(const ASN1_STRING *s, const char *what, char **out,
    struct pki_error *err)
{
	size_t	len;
	int	r;

	*out = NULL;
	if ((r = value_utf8(s, what, out, &len, err)) != 0)
		return r;
	if (memchr(*out, '\0', len) != NULL) {
		free(*out);
		*out = NULL;
		return pki_err(err, PKI_ERR_INPUT,
		    "subject: %s: value contains a NUL byte", what);
	}
	return PKI_OK;
}

int
pki_subject_from_name(const X509_NAME *name, struct pki_subject *s,
    struct pki_error *err)
{
	const X509_NAME_ENTRY	*ne;
	const ASN1_OBJECT	*obj;
	char			 what[128], oid[128];
	char			*val = NULL;
	size_t			 i;
	int			 k, cnt, nid, olen, r = PKI_ERR_INTERNAL;

	memset(s, 0, sizeof(*s));
	cnt = X509_NAME_entry_count(name);
	for (k = 0; k < cnt; k++) {
		if ((ne = X509_NAME_get_entry(name, k)) == NULL) {
			r = pki_err(err, PKI_ERR_INTERNAL,
			    "subject: X509_NAME_get_entry failed");
			goto out;
		}
		obj = X509_NAME_ENTRY_get_object(ne);
		attr_name(obj, what, sizeof(what));
		if ((r = pki_asn1_string_utf8(X509_NAME_ENTRY_get_data(ne),
		    what, &val, err)) != 0)
			goto out;
		nid = OBJ_obj2nid(obj);
		r = PKI_ERR_ALLOC;
		if (nid == NID_commonName) {
			free(s->cn);
			s->cn = val;
			val = NULL;
			continue;
		}
		if (nid == NID_serialNumber) {
			free(s->serial);
			s->serial = val;
			val = NULL;
			continue;
		}
		for (i = 0; i < NSTDATTRS; i++)
			if (stdattrs[i].nid == nid)
				break;
		if (i < NSTDATTRS) {
			if (pki_strv_push(subj_list(s, i), val) != 0)
				goto nomem;
		} else {
			olen = OBJ_obj2txt(oid, sizeof(oid), obj, 1);
			if (olen <= 0 || (size_t)olen >= sizeof(oid)) {
				r = pki_err_ssl(err, PKI_ERR_INPUT,
				    "subject: cannot format attribute type");
				goto out;
			}
			if (push_extra(s, oid, val) != 0)
				goto nomem;
		}
		free(val);
		val = NULL;
	}
	r = PKI_OK;
	goto out;
 nomem:
	r = pki_err(err, PKI_ERR_ALLOC, "subject: out of memory");
 out:
	free(val);
	if (r != PKI_OK)
		pki_subject_clear(s);
	return r;
}

int
pki_subject_override(struct pki_subject *s, const struct pki_subject *ov,
    struct pki_error *err)
{
	struct pki_subject	 t;
	const struct pki_strv	*src;
	size_t			 i;
	int			 nid;

	/*
	 * cfssl's PopulateSubjectFromCSR: start from the override's CN, C,
	 * ST, L, O, OU and SerialNumber, fill each empty one from the
	 * request.  Street, postal code and extra attributes of the
	 * request are not carried over, nor are the override's extras.
	 */
	memset(&t, 0, sizeof(t));
	if (set_str(&t.cn, is_set(ov->cn) ? ov->cn : s->cn) != 0 ||
	    set_str(&t.serial, is_set(ov->serial) ? ov->serial :
	    s->serial) != 0)
		goto nomem;
	for (i = 0; i < NSTDATTRS; i++) {
		nid = stdattrs[i].nid;
		if (nid == NID_streetAddress || nid == NID_postalCode)
			continue;
		src = subj_clist(ov, i)->n > 0 ? subj_clist(ov, i) :
		    subj_clist(s, i);
		if (strv_copy(subj_list(&t, i), src) != 0)
			goto nomem;
	}
	pki_subject_clear(s);
	*s = t;
	return PKI_OK;
 nomem:
	pki_subject_clear(&t);
	return pki_err(err, PKI_ERR_ALLOC, "subject: out of memory");
}

/* Go's asn1 isPrintable() as used when marshalling (no '*', no '&'). */
static int
is_printable(const char *v)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))
			continue;
		if (strchr(" '()+,-./:=?", *p) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Strict UTF-8 check as Go's utf8.ValidString: no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
static int
is_utf8(const char *v)
{
	const unsigned char	*p = (const unsigned char *)v;
	unsigned int		 c, n, i, min;

	while (*p != '\0') {
		c = *p;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (p[i] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/*
 * Appends one attribute to name: as a new RDN (set 0) or to the last
 * RDN (set -1).  what names the attribute in messages.
 */
static int
add_value(X509_NAME *name, const ASN1_OBJECT *obj, const char *value,
    int set, const char *what, struct pki_error *err)
{
	X509_NAME_ENTRY	*ne = NULL;
	size_t		 len;
	int		 type, r = PKI_ERR_INTERNAL;

	if (is_printable(value))
		type = V_ASN1_PRINTABLESTRING;
	else if (is_utf8(value))
		type = V_ASN1_UTF8STRING;
	else
		return pki_err(err, PKI_ERR_INPUT,
		    "subject: %s: not valid UTF-8", what);
	if ((len = strlen(value)) > INT32_MAX)
		return pki_err(err, PKI_ERR_INPUT,
		    "subject: %s: value too long", what);
	if ((ne = X509_NAME_ENTRY_create_by_OBJ(NULL, obj, type,
	    (const unsigned char *)value, (int)len)) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "subject: %s: X509_NAME_ENTRY_create_by_OBJ", what);
		goto out;
	}
	if (X509_NAME_add_entry(name, ne, -1, set) != 1) {
		r = pki_err_ssl(err, PKI_ERR_CRYPTO,
		    "subject: %s: X509_NAME_add_entry", what);
		goto out;
	}
	r = PKI_OK;
 out:
	X509_NAME_ENTRY_free(ne);
	return r;
}

/* Returns 1 if one of the extras has type obj (oidInAttributeTypeAndValue). */
static int
shadowed(ASN1_OBJECT *const *xobj, size_t n, const ASN1_OBJECT *obj)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (OBJ_cmp(xobj[i], obj) == 0)
			return 1;
	return 0;
}

/* Adds all values of one type as one RDN, unless an extra shadows it. */
static int
add_rdn(X509_NAME *name, int nid, const char *what, char *const *v, size_t n,
    ASN1_OBJECT *const *xobj, size_t nx, struct pki_error *err)
{
	const ASN1_OBJECT	*obj;
	size_t			 i;
	int			 r;

	if (n == 0)
		return PKI_OK;
	if ((obj = OBJ_nid2obj(nid)) == NULL)
		return pki_err_ssl(err, PKI_ERR_INTERNAL,
		    "subject: %s: OBJ_nid2obj", what);
	if (shadowed(xobj, nx, obj))
		return PKI_OK;
	for (i = 0; i < n; i++)
		if ((r = add_value(name, obj, v[i], i == 0 ? 0 : -1, what,
		    err)) != 0)
			return r;
	return PKI_OK;
}

int
pki_subject_to_name(const struct pki_subject *s, X509_NAME **out,
    struct pki_error *err)
{
	X509_NAME		 *name = NULL;
	ASN1_OBJECT		**xobj = NULL;
	const struct pki_strv	 *sv;
	char			 *one[1];
	size_t			  i, nx = 0;
	int			  r = PKI_ERR_INTERNAL;

	*out = NULL;
	if ((name = X509_NAME_new()) == NULL) {
		r = pki_err_ssl(err, PKI_ERR_ALLOC, "subject: X509_NAME_new");
		goto out;
	}
	if (s->nextra > 0 &&
	    (xobj = calloc(s->nextra, sizeof(*xobj))) == NULL) {
		r = pki_err(err, PKI_ERR_ALLOC, "subject: out of memory");
		goto out;
	}
	for (nx = 0; nx < s->nextra; nx++) {
		if ((xobj[nx] = OBJ_txt2obj(s->extra[nx].oid, 1)) == NULL) {
			r = pki_err_ssl(err, PKI_ERR_INPUT,
			    "subject: invalid OID \"%s\"", s->extra[nx].oid);
			goto out;
		}
	}
	for (i = 0; i < NSTDATTRS; i++) {
		sv = subj_clist(s, i);
		if ((r = add_rdn(name, stdattrs[i].nid, stdattrs[i].name,
		    sv->v, sv->n, xobj, nx, err)) != 0)
			goto out;
	}
	if (is_set(s->cn)) {
		one[0] = s->cn;
		if ((r = add_rdn(name, NID_commonName, "CN", one, 1, xobj, nx,
		    err)) != 0)
			goto out;
	}
	if (is_set(s->serial)) {
		one[0] = s->serial;
		if ((r = add_rdn(name, NID_serialNumber, "serialNumber", one, 1,
		    xobj, nx, err)) != 0)
			goto out;
	}
	for (i = 0; i < nx; i++)
		if ((r = add_value(name, xobj[i], s->extra[i].value, 0,
		    s->extra[i].oid, err)) != 0)
			goto out;
	*out = name;
	name = NULL;
	r = PKI_OK;
 out:
	for (i = 0; i < nx; i++)
		ASN1_OBJECT_free(xobj[i]);
	free(xobj);
	X509_NAME_free(name);
	return r;
}

/* ---- certinfo JSON ------------------------------------------------- */

/* Joins sv with "," into obj[key], unless the result is empty. */
static int
set_joined(json_t *obj, const char *key, const struct pki_strv *sv)
{
	char	*buf, *p;
	size_t	 i, len = 0;
	int	 r;

	for (i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + 1;
	if (len <= 1)
		return 0;
	if ((buf = malloc(len)) == NULL)
		return -1;
	p = buf;
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			*p++ = ',';
		len = strlen(sv->v[i]);
		memcpy(p, sv->v[i], len);
		p += len;
	}
	*p = '\0';
	r = json_object_set_new(obj, key, json_string(buf));
	free(buf);
	return r;
}

static int
set_str_json(json_t *obj, const char *key, const char *v)
{
	if (!is_set(v))
		return 0;
	return json_object_set_new(obj, key, json_string(v));
}

json_t *
pki_name_info_json(const X509_NAME *name, struct pki_error *err)
{
	const X509_NAME_ENTRY	*ne;
	struct pki_subject	 s;
	json_t			*obj = NULL, *names = NULL, *v;
	char			 what[128];
	char			*val = NULL;
	size_t			 len;
	int			 k, cnt;

	memset(&s, 0, sizeof(s));
	if ((obj = json_object()) == NULL || (names = json_array()) == NULL)
		goto nomem;
	/*
	 * Every value goes to "names" (json_stringn keeps NUL bytes);
	 * the fields use the same rules as pki_subject_from_name.
	 */
	cnt = X509_NAME_entry_count(name);
	for (k = 0; k < cnt; k++) {
		if ((ne = X509_NAME_get_entry(name, k)) == NULL) {
			pki_err(err, PKI_ERR_INTERNAL,
			    "subject: X509_NAME_get_entry failed");
			goto fail;
		}
		attr_name(X509_NAME_ENTRY_get_object(ne), what, sizeof(what));
		if (value_utf8(X509_NAME_ENTRY_get_data(ne), what, &val, &len,
		    err) != 0)
			goto fail;
		if ((v = json_stringn(val, len)) == NULL) {
			pki_err(err, PKI_ERR_INPUT,
			    "subject: %s: not valid UTF-8", what);
			goto fail;
		}
		if (json_array_append_new(names, v) != 0)
			goto nomem;
		free(val);
		val = NULL;
	}
	if (pki_subject_from_name(name, &s, err) != 0)
		goto fail;
	if (set_str_json(obj, "common_name", s.cn) != 0 ||
	    set_str_json(obj, "serial_number", s.serial) != 0 ||
	    set_joined(obj, "country", &s.c) != 0 ||
	    set_joined(obj, "organization", &s.o) != 0 ||
	    set_joined(obj, "organizational_unit", &s.ou) != 0 ||
	    set_joined(obj, "locality", &s.l) != 0 ||
	    set_joined(obj, "province", &s.st) != 0 ||
	    set_joined(obj, "street_address", &s.street) != 0 ||
	    set_joined(obj, "postal_code", &s.postal) != 0)
		goto nomem;
	if (json_array_size(names) > 0) {
		if (json_object_set_new(obj, "names", names) != 0) {
			names = NULL;
			goto nomem;
		}
	} else
		json_decref(names);
	names = NULL;
	pki_subject_clear(&s);
	return obj;
 nomem:
	pki_err(err, PKI_ERR_ALLOC, "subject: out of memory");
 fail:
	free(val);
	pki_subject_clear(&s);
	json_decref(names);
	json_decref(obj);
	return NULL;
}
