/*
 * t-name.c: the subject model (name.c): csr.Name() order, Go's
 * ToRDNSequence (RDN grouping, DER order inside a multi-valued RDN,
 * PrintableString vs UTF8String), extras and shadowing,
 * FillFromRDNSequence, the sign SUBJECT override and the certinfo
 * subject JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <jansson.h>

#include "internal.h"
#include "x509priv.h"
#include "../tap.h"

/* Writable copies of literals (the structs hold char *), freed at exit. */
static char	*pool[256];
static size_t	 npool;

static char *
D(const char *lit)
{
	char	*p = strdup(lit);

	if (p != NULL && npool < sizeof(pool) / sizeof(pool[0]))
		pool[npool++] = p;
	return p;
}

static void
pool_free(void)
{
	while (npool > 0)
		free(pool[--npool]);
}

/*
 * Renders a name as "SN:T:value" entries, '+' inside an RDN and '/'
 * between RDNs; T is P (PrintableString), U (UTF8String), I (IA5String)
 * or the tag number.  After a DER round trip, so that the order is the
 * encoded one.
 */
static char *
dump_name(const X509_NAME *in)
{
	static char		 buf[2048];
	X509_NAME		*name;
	const X509_NAME_ENTRY	*ne;
	const ASN1_STRING	*v;
	unsigned char		*der = NULL;
	const unsigned char	*p;
	char			 t[8], sn[80];
	int			 i, len, set = -1, nid;
	size_t			 off = 0;

	buf[0] = '\0';
	if ((len = i2d_X509_NAME(in, &der)) <= 0)
		return buf;
	p = der;
	name = d2i_X509_NAME(NULL, &p, len);
	OPENSSL_free(der);
	if (name == NULL)
		return buf;
	for (i = 0; i < X509_NAME_entry_count(name); i++) {
		ne = X509_NAME_get_entry(name, i);
		v = X509_NAME_ENTRY_get_data(ne);
		switch (ASN1_STRING_type(v)) {
		case V_ASN1_PRINTABLESTRING:
			snprintf(t, sizeof(t), "P");
			break;
		case V_ASN1_UTF8STRING:
			snprintf(t, sizeof(t), "U");
			break;
		case V_ASN1_IA5STRING:
			snprintf(t, sizeof(t), "I");
			break;
		default:
			snprintf(t, sizeof(t), "%d", ASN1_STRING_type(v));
		}
		nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(ne));
		if (nid != NID_undef)
			snprintf(sn, sizeof(sn), "%s", OBJ_nid2sn(nid));
		else
			OBJ_obj2txt(sn, sizeof(sn),
			    X509_NAME_ENTRY_get_object(ne), 1);
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%s:%s:%.*s",
		    i == 0 ? "" : X509_NAME_ENTRY_set(ne) == set ? "+" : "/",
		    sn, t,
		    ASN1_STRING_length(v),
		    (const char *)ASN1_STRING_get0_data(v));
		set = X509_NAME_ENTRY_set(ne);
		if (off >= sizeof(buf))
			break;
	}
	X509_NAME_free(name);
	return buf;
}

static char *
dump_strv(const struct pki_strv *sv)
{
	static char	buf[512];
	size_t		i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sv->n && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
		    i ? "|" : "", sv->v[i]);
	return buf;
}

static char *
dump_extra(const struct pki_subject *s)
{
	static char	buf[512];
	size_t		i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < s->nextra && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s=%s",
		    i ? "|" : "", s->extra[i].oid, s->extra[i].value);
	return buf;
}

static char *
to_name_dump(const struct pki_subject *s, int *rp, struct pki_error *err)
{
	X509_NAME	*name = NULL;
	char		*d;

	*rp = pki_subject_to_name(s, &name, err);
	if (*rp != 0)
		return NULL;
	d = dump_name(name);
	X509_NAME_free(name);
	return d;
}

static void
test_from_csr(void)
{
	struct pki_oidval	oids[2];
	struct pki_nameent	names[2];
	struct pki_csr		csr;
	struct pki_subject	s;
	struct pki_error	err;
	char			*d;
	int			r;

	memset(&csr, 0, sizeof(csr));
	memset(names, 0, sizeof(names));
	oids[0].oid = D("1.2.3.4");
	oids[0].value = D("v1");
	oids[1].oid = D("2.5.4.42");
	oids[1].value = D("Given");
	names[0].c = D("US");
	names[0].st = D("CA");
	names[0].o = D("Org1");
	names[0].ou = D("");
	names[0].e = D("a@b");
	names[0].serialnumber = D("IGNORED");
	names[0].oids = oids;
	names[0].noids = 2;
	names[1].c = D("DE");
	names[1].o = D("Org2");
	names[1].ou = D("Unit");
	names[1].l = D("Berlin");
	csr.cn = D("CN1");
	csr.serialnumber = D("SN");
	csr.names = names;
	csr.nnames = 2;

	r = pki_subject_from_csr(&csr, &s, &err);
	is_int(r, 0, "from_csr");
	is_str(s.cn, "CN1", "from_csr: CN");
	is_str(s.serial, "SN", "from_csr: top-level serialnumber only");
	is_str(dump_strv(&s.c), "US|DE", "from_csr: C in names order");
	is_str(dump_strv(&s.o), "Org1|Org2", "from_csr: O in names order");
	is_str(dump_strv(&s.ou), "Unit", "from_csr: empty OU skipped");
	is_str(dump_extra(&s), "1.2.3.4=v1|2.5.4.42=Given|"
	    "1.2.840.113549.1.9.1=a@b", "from_csr: OID map then E");
	d = to_name_dump(&s, &r, &err);
	is_str(d, "C:P:DE+C:P:US/ST:P:CA/L:P:Berlin/O:P:Org1+O:P:Org2/"
	    "OU:P:Unit/CN:P:CN1/serialNumber:P:SN/1.2.3.4:P:v1/GN:P:Given/"
	    "emailAddress:U:a@b", "to_name: Go's RDN order and grouping");
	pki_subject_clear(&s);
	ok(s.cn == NULL && s.c.n == 0 && s.nextra == 0, "subject_clear");
}

static void
test_types(void)
{
	static const struct {
		const char	*v;
		const char	*t;
	} c[] = {
		{ "Plain Text-1.2 (x)", "P" },
		{ "a'b+c,d/e:f=g?", "P" },
		{ "*.example.com", "U" },
		{ "a&b", "U" },
		{ "a@b", "U" },
		{ "a_b", "U" },
		{ "caf\xc3\xa9", "U" },
		{ "a;b", "U" },
		{ "", "P" },
	};
	struct pki_subject	 s;
	struct pki_error	 err;
	char			*one[1], want[128], *d;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		memset(&s, 0, sizeof(s));
		one[0] = D(c[i].v);
		s.o.v = one;
		s.o.n = 1;
		d = to_name_dump(&s, &r, &err);
		snprintf(want, sizeof(want), "O:%s:%s", c[i].t, c[i].v);
		is_str(d, want, "string type of \"%s\"", c[i].v);
	}

	memset(&s, 0, sizeof(s));
	s.cn = D("bad\xff");
	memset(&err, 0, sizeof(err));
	d = to_name_dump(&s, &r, &err);
	is_int(r, PKI_ERR_INPUT, "invalid UTF-8 CN refused");
	is_str(err.text, "subject: CN: not valid UTF-8",
	    "invalid UTF-8 message");
	/* A surrogate: Go's utf8.ValidString says no. */
	s.cn = D("\xed\xa0\x80");
	d = to_name_dump(&s, &r, &err);
	is_int(r, PKI_ERR_INPUT, "UTF-8 surrogate refused");
	(void)d;
}

static void
test_der_sort(void)
{
	char			*o[2], *o2[2], *ou[3];
	struct pki_subject	 s;
	struct pki_error	 err;
	char			*d;
	int			 r;

	o[0] = o2[1] = D("Org2");
	o[1] = o2[0] = D("Org&1");
	ou[0] = D("b");
	ou[1] = D("a");
	ou[2] = D("aa");
	memset(&s, 0, sizeof(s));
	s.o.v = o;
	s.o.n = 2;
	d = to_name_dump(&s, &r, &err);
	is_str(d, "O:P:Org2+O:U:Org&1", "DER order: O=Org2 before O=Org&1");
	s.o.v = o2;
	d = to_name_dump(&s, &r, &err);
	is_str(d, "O:P:Org2+O:U:Org&1", "DER order regardless of input order");
	s.o.n = 0;
	s.ou.v = ou;
	s.ou.n = 3;
	d = to_name_dump(&s, &r, &err);
	is_str(d, "OU:P:a+OU:P:b+OU:P:aa",
	    "DER order: shorter encodings first");
}

static void
test_shadow(void)
{
	struct pki_oidval	 ex[2];
	char			*o[1], *c[1];
	struct pki_subject	 s;
	struct pki_error	 err;
	char			*d;
	int			 r;

	ex[0].oid = D("2.5.4.10");
	ex[0].value = D("Extra Org");
	ex[1].oid = D("2.5.4.3");
	ex[1].value = D("Extra CN");
	o[0] = D("Std Org");
	c[0] = D("US");
	memset(&s, 0, sizeof(s));
	s.o.v = o;
	s.o.n = 1;
	s.c.v = c;
	s.c.n = 1;
	s.cn = D("Std CN");
	s.extra = ex;
	s.nextra = 2;
	d = to_name_dump(&s, &r, &err);
	is_str(d, "C:P:US/O:P:Extra Org/CN:P:Extra CN",
	    "an extra of a standard type shadows that type");
	ok(!pki_subject_is_empty(&s), "is_empty: no");

	memset(&s, 0, sizeof(s));
	ok(pki_subject_is_empty(&s), "is_empty: all empty");
	s.cn = D("");
	ok(pki_subject_is_empty(&s), "is_empty: empty CN counts as none");
	d = to_name_dump(&s, &r, &err);
	is_str(d, "", "empty subject: empty name");
	s.extra = ex;
	s.nextra = 1;
	ok(!pki_subject_is_empty(&s), "is_empty: an extra is enough");
}

static void
test_from_name(void)
{
	static const unsigned char	 bmp[] = { 0x00, 'B', 0x00, 0xe9 };
	X509_NAME			*name;
	struct pki_subject		 s;
	struct pki_error		 err;
	json_t				*j;
	char				*js;
	int				 r;

	/* An OpenSSL-style name: /CN=first/O=y/emailAddress=e@x/CN=last/... */
	name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"first", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"y", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "emailAddress", MBSTRING_ASC,
	    (const unsigned char *)"e@x", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"last", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "street", MBSTRING_ASC,
	    (const unsigned char *)"Main St", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "postalCode", MBSTRING_ASC,
	    (const unsigned char *)"12345", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", V_ASN1_BMPSTRING, bmp,
	    sizeof(bmp), -1, 0);
	X509_NAME_add_entry_by_txt(name, "GN", MBSTRING_ASC,
	    (const unsigned char *)"g", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_ASC,
	    (const unsigned char *)"42", -1, -1, 0);

	r = pki_subject_from_name(name, &s, &err);
	is_int(r, 0, "from_name");
	is_str(s.cn, "last", "from_name: the last CN wins");
	is_str(s.serial, "42", "from_name: serialNumber");
	is_str(dump_strv(&s.o), "y|B\xc3\xa9",
	    "from_name: O, BMPString as UTF-8");
	is_str(dump_strv(&s.street), "Main St", "from_name: street");
	is_str(dump_strv(&s.postal), "12345", "from_name: postalCode");
	is_str(dump_extra(&s), "1.2.840.113549.1.9.1=e@x|2.5.4.42=g",
	    "from_name: other attributes kept as extras, in order");
	js = to_name_dump(&s, &r, &err);
	is_str(js, "street:P:Main St/postalCode:P:12345/O:P:y+O:U:B\xc3\xa9/"
	    "CN:P:last/serialNumber:P:42/emailAddress:U:e@x/GN:P:g",
	    "from_name + to_name: re-encoded in Go's order and types");

	j = pki_name_info_json(name, &err);
	js = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) :
	    NULL;
	is_str(js, "{\"common_name\":\"last\",\"serial_number\":\"42\","
	    "\"organization\":\"y,B\xc3\xa9\",\"street_address\":\"Main St\","
	    "\"postal_code\":\"12345\",\"names\":[\"first\",\"y\",\"e@x\","
	    "\"last\",\"Main St\",\"12345\",\"B\xc3\xa9\",\"g\",\"42\"]}",
	    "name_info_json: cfssl certinfo subject");
	free(js);
	json_decref(j);
	X509_NAME_free(name);
	pki_subject_clear(&s);

	name = X509_NAME_new();
	j = pki_name_info_json(name, &err);
	js = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	is_str(js, "{}", "name_info_json: empty name gives {}");
	free(js);
	json_decref(j);

	/* A value that cannot be a C string. */
	X509_NAME_add_entry_by_txt(name, "CN", V_ASN1_UTF8STRING,
	    (const unsigned char *)"a\0b", 3, -1, 0);
	memset(&err, 0, sizeof(err));
	r = pki_subject_from_name(name, &s, &err);
	is_int(r, PKI_ERR_INPUT, "from_name: NUL byte refused");
	is_str(err.text, "subject: CN: value contains a NUL byte",
	    "from_name: NUL message");
	X509_NAME_free(name);
}

static void
test_override(void)
{
	struct pki_oidval	 ovex[1];
	char			*no[2];
	X509_NAME		*name;
	struct pki_subject	 s, ov;
	struct pki_error	 err;
	int			 r;

	name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"US", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "ST", MBSTRING_ASC,
	    (const unsigned char *)"CA", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Old", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "street", MBSTRING_ASC,
	    (const unsigned char *)"Main", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"csr-cn", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_ASC,
	    (const unsigned char *)"csr-sn", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "emailAddress", MBSTRING_ASC,
	    (const unsigned char *)"e@x", -1, -1, 0);
	r = pki_subject_from_name(name, &s, &err);
	X509_NAME_free(name);
	ok(r == 0 && s.street.n == 1 && s.nextra == 1, "override: request");

	memset(&ov, 0, sizeof(ov));
	no[0] = D("New1");
	no[1] = D("New2");
	ovex[0].oid = D("2.5.4.42");
	ovex[0].value = D("ignored");
	ov.o.v = no;
	ov.o.n = 2;
	ov.cn = D("");
	ov.serial = D("new-sn");
	ov.extra = ovex;
	ov.nextra = 1;
	r = pki_subject_override(&s, &ov, &err);
	is_int(r, 0, "override");
	is_str(s.cn, "csr-cn", "override: empty CN keeps the request's");
	is_str(s.serial, "new-sn", "override: serial number replaced");
	is_str(dump_strv(&s.o), "New1|New2", "override: O replaced");
	is_str(dump_strv(&s.c), "US", "override: C kept");
	is_str(dump_strv(&s.st), "CA", "override: ST kept");
	ok(s.street.n == 0,
	    "override: street dropped (PopulateSubjectFromCSR)");
	ok(s.nextra == 0, "override: extras dropped, override's ignored");
	pki_subject_clear(&s);
}

int
main(void)
{
	plan(9 + 12 + 3 + 5 + 13 + 9);
	test_from_csr();
	test_types();
	test_der_sort();
	test_shadow();
	test_from_name();
	test_override();
	pool_free();
	return done_testing();
}
