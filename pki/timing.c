/*
 * timing.c: when to renew: the policy (a share of the lifetime left or a
 * time before the end, staggered per name), its flag syntax ("N%" or a
 * duration: pki_share_parse), and the arithmetic of pki_renew_at().
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void
pki_renew_policy_default(struct pki_renew_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->fraction = PKI_RENEW_FRACTION;
	p->before = 0;
	p->stagger = PKI_RENEW_STAGGER;
}

/*
 * Parses "N%" with N plain decimal digits and at most one '.': no sign,
 * exponent, blanks, "inf" or "nan".  Returns 0 and *v = N, or -1.
 */
static int
parse_percent(const char *s, double *v)
{
	size_t	i, n = strlen(s), digits = 0, dots = 0;
	char	*end;

	if (n < 2 || s[n - 1] != '%')
		return -1;
	for (i = 0; i < n - 1; i++) {
		if (isdigit((unsigned char)s[i]))
			digits++;
		else if (s[i] == '.' && dots++ == 0)
			continue;
		else
			return -1;
	}
	if (digits == 0)
		return -1;
	*v = strtod(s, &end);
	return end == s + n - 1 ? 0 : -1;
}

int
pki_share_parse(const char *s, int pct_only, struct pki_share *out,
    struct pki_error *err)
{
	struct pki_error	e;

	memset(out, 0, sizeof(*out));
	if (s != NULL && *s != '\0' && s[strlen(s) - 1] == '%') {
		if (parse_percent(s, &out->pct) != 0)
			return pki_err(err, PKI_ERR_ARG, "not a percentage "
			    "(N%%)");
		out->is_pct = 1;
		return PKI_OK;
	}
	memset(&e, 0, sizeof(e));
	if (pct_only || s == NULL || pki_duration_parse(s, &out->ns, &e) !=
	    PKI_OK)
		return pki_err(err, PKI_ERR_ARG, pct_only ? "not a percentage "
		    "(N%%)" : "not a percentage (N%%) or a duration (720h)");
	return PKI_OK;
}

int
pki_renew_before_parse(const char *s, const char *what,
    struct pki_renew_policy *p, struct pki_error *err)
{
	struct pki_error	e;
	struct pki_share	sh;

	if (what == NULL)
		what = "renew-before";
	if (s == NULL || *s == '\0')
		return pki_err(err, PKI_ERR_ARG, "%s: empty value", what);
	memset(&e, 0, sizeof(e));
	if (pki_share_parse(s, 0, &sh, &e) != PKI_OK)
		return pki_err(err, PKI_ERR_ARG, "%s: %s: %s", what, s, e.text);
	if (sh.is_pct) {
		if (!(sh.pct > 0 && sh.pct < 100))
			return pki_err(err, PKI_ERR_ARG, "%s: %s: must be "
			    "between 0%% and 100%%", what, s);
		p->fraction = sh.pct / 100;
		p->before = 0;
		return PKI_OK;
	}
	if (sh.ns < PKI_NS_PER_SEC)
		return pki_err(err, PKI_ERR_ARG, "%s: %s: must be at least "
		    "1s", what, s);
	p->before = sh.ns / PKI_NS_PER_SEC;
	return PKI_OK;
}

int
pki_renew_stagger_parse(const char *s, const char *what,
    struct pki_renew_policy *p, struct pki_error *err)
{
	struct pki_error	e;
	struct pki_share	sh;

	if (what == NULL)
		what = "stagger";
	memset(&e, 0, sizeof(e));
	if (pki_share_parse(s, 1, &sh, &e) != PKI_OK)
		return pki_err(err, PKI_ERR_ARG, "%s: %s: %s", what,
		    s != NULL ? s : "", e.text);
	if (!(sh.pct >= 0 && sh.pct < 100))
		return pki_err(err, PKI_ERR_ARG, "%s: %s: must be at least "
		    "0%% and less than 100%%", what, s);
	p->stagger = sh.pct / 100;
	return PKI_OK;
}

/*
 * FNV-1a 64 of the name, passed through MurmurHash3's 64-bit finaliser,
 * divided by 2^64; only the top 53 bits are kept so that the double is
 * exact and always below 1.  The finaliser matters: FNV-1a alone moves
 * only the low and the top few bits when the last byte changes, so
 * "etcd1", "etcd2" and "etcd3" would get offsets within 1e-7 of each
 * other and renew at the same second.
 */
double
pki_renew_offset(const char *name)
{
	uint64_t		 h = UINT64_C(14695981039346656037);
	const unsigned char	*p;

	for (p = (const unsigned char *)(name != NULL ? name : ""); *p != '\0';
	    p++) {
		h ^= *p;
		h *= UINT64_C(1099511628211);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (double)(h >> 11) / 9007199254740992.0;	/* 2^53 */
}

int
pki_renew_at(int64_t not_before, int64_t not_after, const char *name,
    const struct pki_renew_policy *p, int64_t *at, struct pki_error *err)
{
	char	b1[64], b2[64];
	double	lifetime, share, amount, whole, frac;
	int64_t	frac_ns;

	*at = 0;
	if (not_after <= not_before)
		return pki_err(err, PKI_ERR_ARG, "the certificate's lifetime "
		    "is not positive");
	lifetime = (double)(not_after - not_before);
	if (p->before > 0) {
		if (p->before >= not_after - not_before) {
			pki_duration_format(p->before * PKI_NS_PER_SEC, b1,
			    sizeof(b1));
			pki_duration_format((not_after - not_before) *
			    PKI_NS_PER_SEC, b2, sizeof(b2));
			return pki_err(err, PKI_ERR_ARG, "renew before %s is "
			    "not shorter than the certificate's lifetime "
			    "(%s)", b1, b2);
		}
		share = (double)p->before / lifetime;
	} else
		share = p->fraction;
	if (!(share >= 0 && share <= 1) || !(p->stagger >= 0 &&
	    p->stagger < 1))
		return pki_err(err, PKI_ERR_ARG, "renewal policy out of range");
	amount = (share + pki_renew_offset(name) * p->stagger) * lifetime;
	/*
	 * floor(not_after - amount), with amount first rounded to whole
	 * nanoseconds so that 1/3 of 90 days is exactly 30 days.
	 */
	whole = (double)(int64_t)amount;	/* amount >= 0: floor */
	frac = amount - whole;
	frac_ns = (int64_t)(frac * 1e9 + 0.5);
	if (frac_ns >= PKI_NS_PER_SEC) {
		whole += 1;
		frac_ns = 0;
	}
	*at = not_after - (int64_t)whole - (frac_ns > 0 ? 1 : 0);
	return PKI_OK;
}
