"""The SPF agreement corpus: a deterministic set of check_host() cases (RFC 7208) with the DNS data
they need, for comparing outpost with pyspf (test_spf_pyspf.py).

build() returns a Corpus: zones {zone: [zone-file lines]} for dns_server.DnsServer, the zones that
must answer SERVFAIL, and the cases (domain, record, client ip, sender, helo). Every record shape is
checked from a fixed set of clients (IPv4, IPv6 and IPv4-mapped IPv6 addresses inside and outside
the ranges the records name), so the same data gives pass, fail, softfail, neutral, none,
permerror and temperror. Nothing here is random: the corpus is the same on every run.

Names that macros expand to are computed with pyspf's own expander (spf.query.expand) for one
"primary" (ip, sender) per shape; the other clients and senders of the shape must then not match.
If pyspf's expansion disagreed with outpost's, the case would show up as a disagreement.

Left out on purpose (pyspf departs from RFC 7208 there; outpost follows the RFC):
  * upper-case modifier names ("Redirect=", "EXP="): pyspf compares modifier names
    case-sensitively and ignores them as unknown modifiers; in RFC 7208 §12's ABNF they are
    literal strings, which are case-insensitive (RFC 5234 §2.3).
  * a match decided by the 10th DNS term of a record that also has redirect=: pyspf counts the
    redirect when it parses the record, before any mechanism; RFC 7208 §4.6.4 counts the terms
    evaluated, and a redirect is only evaluated when no mechanism matched (§6.1).
  * include: naming its own domain after a matching mechanism: pyspf rejects it while parsing
    ("trivial recursion"); by RFC 7208 §4.6 and §5.2 the earlier match decides.
  * duplicate unknown modifiers: pyspf (strict) gives permerror; RFC 7208 §6 limits only redirect=
    and exp= to one each: "Unrecognized modifiers MUST be ignored no matter where, or how often,
    they appear in a record."
  * macro-strings pyspf reads loosely: an unclosed "%{" (it keeps it as text) and delimiters
    outside ". - + , / _ =" ("%{dx}"); RFC 7208 §7.1's ABNF makes both syntax errors (permerror).
  * the reversal before the digits ("%{ir2}"): RFC 7208 §7.1 has transformers = *DIGIT [ "r" ],
    so the '2' there is no delimiter and the macro a syntax error (permerror); pyspf reads it as
    "%{i2r}". The corpus uses "%{i2r}".
  * %{d0}-style zero transformers: RFC 7208 §7.1 requires a nonzero DIGIT; pyspf expands them.
  * DNS errors on the PTR lookup or on the A/AAAA lookups that validate PTR names (ptr mechanism,
    %{p}): RFC 7208 §5.5 says such names are skipped (and a failed PTR lookup makes ptr not match);
    pyspf returns temperror.
  * more than 10 PTR names where the choice of the 10 checked decides: RFC 7208 §4.6.4 ignores all
    but the first 10, and DNS gives no order; here every PTR name of such an address validates.
  * expansions over 253 octets that need more than one label dropped: pyspf drops one label
    only; RFC 7208 §7.3 drops labels until the name fits.
  * CNAMEs: pyspf's DNS cache can count one TXT record twice behind a CNAME ("two or more SPF
    records") where RFC 7208 §4.5 sees one.
  * void lookups below the mechanism level (the A/AAAA lookups of MX and PTR names): RFC 7208
    §4.6.4 does not say whether they count, pyspf counts them; the corpus keeps every name an mx or
    ptr leads to resolvable, so only the lookups of the terms themselves are void.
"""
import ipaddress

import spf

ZONE = "spf-agree.test"
SERVFAIL_ZONE = "servfail.test"
# Whole reverse trees, so that every client without PTR gets NXDOMAIN rather than REFUSED.
REVERSE4 = ["in-addr.arpa"]
REVERSE6 = "ip6.arpa"

IP4_MATCH = "192.0.2.10"
IP4_NEAR = "192.0.2.200"      # same /24 as IP4_MATCH
IP4_FAR = "198.51.100.7"      # no PTR
IP6_MATCH = "2001:db8:1::10"
IP6_NEAR = "2001:db8:1::ff00"  # same /64
IP6_MID = "2001:db8:1:5::7"    # same /48, not /64
IP6_FAR = "2001:db9::1"        # outside 2001:db8::/32
MAPPED = "::ffff:192.0.2.10"
MAPPED_FAR = "::ffff:198.51.100.7"
IP4_MANY_PTR = "192.0.2.11"   # 12 PTR names, all validating
IP6_V6ONLY = "2001:db8:2::7"  # PTR to a name with only AAAA

CLIENTS = [IP4_MATCH, IP4_NEAR, IP4_FAR, IP6_MATCH, IP6_NEAR, IP6_MID, IP6_FAR, MAPPED]
PTR_CLIENTS = CLIENTS + [IP4_MANY_PTR, IP6_V6ONLY, MAPPED_FAR]
MACRO_CLIENTS = [IP4_MATCH, IP6_MATCH, MAPPED, IP4_FAR]

HELO = "mail.helo." + ZONE

# (qualifier, terminator): a match gives the qualifier's result, no match the terminator's.
COMBOS = [("", " -all"), ("-", " ~all"), ("~", " ?all"), ("?", ""), ("+", " -all"),
          ("-", " +all")]


class Case:
    def __init__(self, number, domain, record, ip, sender, helo, category, compare_exp=False):
        self.number = number
        self.domain = domain        # the <domain> of check_host()
        self.record = record        # the record published at `domain`, for reports
        self.ip = ip
        self.sender = sender        # "" = null sender (HELO identity)
        self.helo = helo
        self.category = category
        self.compare_exp = compare_exp  # a valid exp= whose text both must give on fail

    def __repr__(self):
        return (f"#{self.number} [{self.category}] {self.domain} {self.record!r} ip={self.ip} "
                f"sender={self.sender!r} helo={self.helo}")


class Corpus:
    def __init__(self):
        self.zones = {ZONE: [], REVERSE6: []}
        for zone in REVERSE4:
            self.zones[zone] = []
        self.servfail_zones = [SERVFAIL_ZONE]
        self.cases = []
        self._shape = 0
        self._seen = set()

    # -- zone data ---------------------------------------------------------------------------

    def add(self, name, rtype, data):
        """Adds a record for the absolute `name` to the zone that holds it."""
        name = name.rstrip(".")
        for zone in sorted(self.zones, key=len, reverse=True):
            if name.lower() == zone or name.lower().endswith("." + zone):
                line = f"{_owner(name)}. {rtype} {data}"
                if (line.lower(), zone) not in self._seen:  # macro targets can coincide
                    self._seen.add((line.lower(), zone))
                    self.zones[zone].append(line)
                return
        raise ValueError(f"no zone for {name}")

    def txt(self, name, *texts):
        """One TXT record per text (texts over 255 octets become several strings)."""
        for text in texts:
            if isinstance(text, (list, tuple)):
                strings = list(text)
            else:
                strings = [text[i:i + 255] for i in range(0, len(text), 255)] or [""]
            self.add(name, "TXT", " ".join(_quote(s) for s in strings))

    def host(self, name, v4=IP4_MATCH, v6=IP6_MATCH):
        if v4:
            self.add(name, "A", v4)
        if v6:
            self.add(name, "AAAA", v6)

    def ptr(self, ip, *names):
        reverse = ipaddress.ip_address(ip).reverse_pointer
        for name in names:
            self.add(reverse, "PTR", name.rstrip(".") + ".")

    # -- cases -------------------------------------------------------------------------------

    def shape(self, prefix="s"):
        """A fresh domain for one record shape."""
        self._shape += 1
        return f"{prefix}{self._shape:04d}.{ZONE}"

    def case(self, domain, record, ip, sender=None, helo=HELO, category="", compare_exp=False):
        if sender is None:
            sender = "joe@" + domain
        self.cases.append(Case(len(self.cases) + 1, domain, record, ip, sender, helo, category,
                               compare_exp))

    def spf(self, domain, record, clients, category, senders=None, compare_exp=False):
        """Publishes `record` at `domain` and checks it from every client (and sender)."""
        if record is not None:
            self.txt(domain, record)
        for ip in clients:
            for sender in senders or [None]:
                self.case(domain, record or "", ip, sender, category=category,
                          compare_exp=compare_exp)


def _owner(name):
    """`name` for a zone file: every octet outside letters, digits, '-' and '_' escaped."""
    labels = []
    for label in name.split("."):
        labels.append("".join(c if c.isascii() and (c.isalnum() or c in "-_") else
                              f"\\{ord(c):03d}" for c in label))
    return ".".join(labels)


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expand(macro_string, ip, sender, helo, domain, p=None):
    """pyspf's expansion of a domain-spec (no DNS: %{p} is given)."""
    query = spf.query(i=ip, s=sender, h=helo)
    query.d = domain
    if p is not None:
        query.p = p
    return query.expand(macro_string)


# -- shared data ---------------------------------------------------------------------------------

def _shared(c):
    z = ZONE
    c.host(f"h.{z}")
    # PTR data (RFC 7208 §5.5): 192.0.2.10 and 2001:db8:1::10 name ptr-host (validates) and
    # unvalidated (its address is elsewhere); 192.0.2.200 names ptr-host (does not validate);
    # 192.0.2.11 names 12 hosts that all validate; 2001:db8:2::7 an AAAA-only host.
    c.host(f"ptr-host.{z}")
    c.host(f"unvalidated.{z}", v4="192.0.2.99", v6="2001:db8:1::99")
    c.ptr(IP4_MATCH, f"ptr-host.{z}", f"unvalidated.{z}")
    c.ptr(IP6_MATCH, f"ptr-host.{z}")
    c.ptr(IP4_NEAR, f"ptr-host.{z}")
    for n in range(12):
        c.host(f"n{n}.many-ptr.{z}", v4=IP4_MANY_PTR, v6="2001:db8:1::11")
        c.ptr(IP4_MANY_PTR, f"n{n}.many-ptr.{z}")
    c.host(f"v6only-ptr.{z}", v4=None, v6=IP6_V6ONLY)
    c.ptr(IP6_V6ONLY, f"v6only-ptr.{z}")
    # %{p} of a client without PTR is "unknown".
    c.add(f"nothing.{z}", "TXT", '"not spf"')


# -- categories ----------------------------------------------------------------------------------

def _all(c):
    for qualifier in ["", "+", "-", "~", "?"]:
        d = c.shape()
        c.spf(d, f"v=spf1 {qualifier}all", [IP4_MATCH, IP6_FAR, MAPPED], "all")
    for record in ["v=spf1 -ALL", "v=spf1 ~All", "v=spf1", "v=spf1 ", "v=spf1  ?all  ",
                   "V=SPF1 -all", "v=spf1 -all ip4:192.0.2.10"]:
        d = c.shape()
        c.spf(d, record, [IP4_MATCH, IP6_MATCH], "all")


def _ip4(c):
    terms = [f"ip4:{IP4_MATCH}{cidr}" for cidr in ["", "/32", "/31", "/24", "/16", "/1", "/0"]]
    terms += ["ip4:192.0.2.0/24", "IP4:192.0.2.0/25", "ip4:192.0.2.128/25", "ip4:0.0.0.0/0"]
    for k, term in enumerate(terms):
        for qualifier, terminator in (COMBOS[k % len(COMBOS)], COMBOS[(k + 3) % len(COMBOS)]):
            d = c.shape()
            c.spf(d, f"v=spf1 {qualifier}{term}{terminator}", CLIENTS, "ip4")


def _ip6(c):
    terms = [f"ip6:{IP6_MATCH}{cidr}" for cidr in
             ["", "/128", "/127", "/64", "/56", "/48", "/32", "/0"]]
    terms += ["ip6:2001:db8:1::/48", "IP6:2001:DB8:1:0:0:0:0:10", "ip6:2001:db8::/32",
              "ip6:::ffff:192.0.2.10", "ip6:::/0"]
    for k, term in enumerate(terms):
        for qualifier, terminator in (COMBOS[k % len(COMBOS)], COMBOS[(k + 2) % len(COMBOS)]):
            d = c.shape()
            c.spf(d, f"v=spf1 {qualifier}{term}{terminator}", CLIENTS, "ip6")


def _a(c):
    z = ZONE
    variants = ["a", "a/24", "a//64", "a/24//48", "a/32//128", "a/0", "a//0", "a:h.{d}",
                "a:h.{d}/16//32", "A:H.{D}", "a:v4only.{d}", "a:v6only.{d}", "a:multi.{d}",
                "a:multi.{d}/30", "a:h.{d}.", f"a:h.{z}/25//60", "a:wide.{d}/8//16"]
    for k, variant in enumerate(variants):
        qualifier, terminator = COMBOS[k % len(COMBOS)]
        d = c.shape()
        c.host(d)
        c.host(f"h.{d}")
        c.host(f"v4only.{d}", v6=None)
        c.host(f"v6only.{d}", v4=None)
        for v4, v6 in [("203.0.113.5", "2001:db8:ff::5"), ("192.0.2.10", "2001:db8:1::10"),
                       ("198.51.100.9", "2001:db8:ff::9")]:
            c.host(f"multi.{d}", v4=v4, v6=v6)
        c.host(f"wide.{d}", v4="192.1.1.1", v6="2001:db9:ffff::1")
        term = variant.format(d=d, D=d.upper())
        c.spf(d, f"v=spf1 {qualifier}{term}{terminator}", CLIENTS, "a")


def _mx(c):
    z = ZONE
    variants = ["mx", "mx/24", "mx//64", "mx/24//48", "mx:m.{d}", "mx:m.{d}/30//56", "MX",
                "mx:nomx.{d}", "mx:ten.{d}", "mx:eleven.{d}", "mx:far.{d}", "mx:far.{d}/8//16",
                "Mx:M.{D}//128"]
    for k, variant in enumerate(variants):
        qualifier, terminator = COMBOS[(k + 1) % len(COMBOS)]
        d = c.shape()
        c.add(d, "MX", f"10 mx1.{d}.")
        c.add(d, "MX", f"20 mx2.{d}.")
        c.host(f"mx1.{d}", v4="203.0.113.1", v6="2001:db8:ff::1")
        c.host(f"mx2.{d}")
        c.add(f"m.{d}", "MX", f"5 mx2.{d}.")
        c.host(f"nomx.{d}")  # exists, no MX: a void lookup
        for n in range(10):
            c.add(f"ten.{d}", "MX", f"{n} t{n}.ten.{d}.")
            c.host(f"t{n}.ten.{d}", v4=f"203.0.113.{20 + n}", v6=f"2001:db8:ff::{20 + n}")
        c.host(f"t9.ten.{d}")
        for n in range(11):
            c.add(f"eleven.{d}", "MX", f"{n} e{n}.eleven.{d}.")
            c.host(f"e{n}.eleven.{d}")
        c.add(f"far.{d}", "MX", f"10 farhost.{d}.")
        c.host(f"farhost.{d}", v4="192.1.1.1", v6="2001:db9:ffff::1")
        term = variant.format(d=d, D=d.upper())
        c.spf(d, f"v=spf1 {qualifier}{term}{terminator}", CLIENTS, "mx")


def _ptr(c):
    z = ZONE
    variants = ["ptr", f"ptr:ptr-host.{z}", f"ptr:{z}", "ptr:agree.test", f"ptr:host.{z}",
                f"ptr:many-ptr.{z}", f"PTR:{z.upper()}", f"ptr:v6only-ptr.{z}",
                f"ptr:unvalidated.{z}"]
    for k, variant in enumerate(variants):
        qualifier, terminator = COMBOS[(k + 2) % len(COMBOS)]
        d = c.shape()
        c.spf(d, f"v=spf1 {qualifier}{variant}{terminator}", PTR_CLIENTS, "ptr")


MACROS = ["%{i}", "%{ir}", "%{i}.%{v}", "%{ir}.%{v}", "%{s}", "%{l}", "%{o}", "%{d}", "%{d2}",
          "%{d1r}", "%{l1r-}", "%{lr-}", "%{l1r+-}", "%{h}", "%{v}", "%{i2}", "%{i2r}", "%{s2}",
          "%{o1}", "%{D}", "%{I}", "%{L}", "%{l}-%{v}", "%{d3r}", "%{h2}.%{o2}", "%{lr.}",
          "%{l2r-+}", "%{i}._spf", "%{ir}.%{ir}.%{v}", "%{dr}", "%{l=}", "%{s/}",
          "%{p}", "%{p2}", "%{pr}", "%{P}"]
MACRO_SENDERS = ["joe", "First-Last+tag", "a.b_c=d"]


def _macros(c):
    for k, macro in enumerate(MACROS):
        for mechanism in ["exists", "a", "include", "redirect"] if k % 4 == 0 else ["exists"]:
            d = c.shape()
            spec = f"{macro}.x.{d}"
            primary = [(IP4_MATCH, "joe"), (IP6_MATCH, "First-Last+tag")]
            for ip, local in primary:
                p = "ptr-host." + ZONE
                target = expand(spec, ip, f"{local}@{d}", HELO, d, p=p)
                if mechanism in ("exists", "a"):
                    c.host(target, v6="2001:db8:1::10" if ip == IP6_MATCH else None)
                else:
                    c.txt(target, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/64 -all")
            if mechanism == "redirect":
                record = f"v=spf1 ip4:198.51.100.0/24 redirect={spec}"
            else:
                qualifier, terminator = COMBOS[k % len(COMBOS)]
                record = f"v=spf1 {qualifier}{mechanism}:{spec}{terminator}"
            c.txt(d, record)
            for ip in MACRO_CLIENTS:
                for local in MACRO_SENDERS[:2]:
                    c.case(d, record, ip, f"{local}@{d}", category=f"macro-{mechanism}")
            c.case(d, record, IP4_MATCH, f"{MACRO_SENDERS[2]}@{d}", category=f"macro-{mechanism}")
    # Macros of the current domain inside an include: %{d} is the included domain, %{o} the
    # sender's.
    for macro in ["%{d}", "%{o}", "%{d2}", "%{l}.%{d1}"]:
        d = c.shape()
        inc = f"inc.{d}"
        spec = f"{macro}.y.{d}"
        c.host(expand(spec, IP4_MATCH, f"joe@{d}", HELO, inc), v6=None)
        c.txt(inc, f"v=spf1 exists:{spec} -all")
        c.spf(d, f"v=spf1 include:{inc} ~all", [IP4_MATCH, IP6_MATCH], "macro-include-domain",
              senders=[f"joe@{d}", f"ann@{d}"])
    # The HELO identity: a null sender makes it postmaster@helo (RFC 7208 §2.4, §4.3).
    for macro in ["%{l}", "%{s}", "%{h}", "%{o}"]:
        d = c.shape()
        spec = f"{macro}.x.{d}"
        c.host(expand(spec, IP4_MATCH, f"postmaster@{d}", d, d), v6=None)
        record = f"v=spf1 exists:{spec} -all"
        c.txt(d, record)
        for ip in [IP4_MATCH, IP6_MATCH]:
            c.cases.append(Case(len(c.cases) + 1, d, record, ip, "", d, "helo"))
    # Long expansions: over 253 octets, labels are dropped from the left (RFC 7208 §7.3).
    d = c.shape()
    local = "abcdefghij" * 6
    spec = "%{l}.%{l}.%{l}.%{l}.long." + d
    c.host(expand(spec, IP4_MATCH, f"{local}@{d}", HELO, d), v6="2001:db8:1::10")
    c.spf(d, f"v=spf1 exists:{spec} -all", [IP4_MATCH, IP6_MATCH], "macro-long",
          senders=[f"{local}@{d}", f"{local[:-1]}@{d}"])


def _macro_errors(c):
    records = ["v=spf1 exists:%{x}.{d} -all", "v=spf1 exists:%{d -all", "v=spf1 a:%(d).{d} -all",
               "v=spf1 exists:%{d}% -all", "v=spf1 exists:%a.{d} -all",
               "v=spf1 exists:%{c}.{d} -all", "v=spf1 exists:%{r}.{d} -all",
               "v=spf1 exists:%{t}.{d} -all", "v=spf1 include:%{i}%.{d} -all",
               "v=spf1 -all foo=%{z}", "v=spf1 -all foo=%q",
               "v=spf1 ip4:192.0.2.10 redirect=%{k}.{d}",
               "v=spf1 exists:%%.{d} -all", "v=spf1 exists:a%_b.{d} -all",
               "v=spf1 exists:a%-b.{d} -all"]
    for record in records:
        d = c.shape()
        c.spf(d, record.replace("{d}", d), [IP4_MATCH, IP6_MATCH], "macro-syntax")


INCLUDE_TARGETS = {
    "pass": "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/64 -all",
    "fail": "v=spf1 -all",
    "softfail": "v=spf1 ~all",
    "neutral": "v=spf1 ?all",
    "all": "v=spf1 +all",
    "empty": "v=spf1",
    "syntax": "v=spf1 ip4:192.0.2.10/33 -all",
    "unknownmech": "v=spf1 foo:bar -all",
    "nested": "v=spf1 include:pass.{d} -all",
    "nested3": "v=spf1 -ip4:203.0.113.0/24 include:nested.{d} ~all",
    "redirecting": "v=spf1 redirect=pass.{d}",
    "withexp": "v=spf1 -all exp=e.{d}",
    "owna": "v=spf1 a -all",
    "nestednone": "v=spf1 include:nothing.{d} -all",
    "nestedfail": "v=spf1 include:fail.{d} ?all",
    "voidinside": "v=spf1 a:nx1.{d} a:nx2.{d} ip4:192.0.2.10 -all",
}


def _includes(c):
    targets = sorted(INCLUDE_TARGETS) + ["missing", "nothing", "twospf", "servfail"]
    for k, name in enumerate(targets):
        for qualifier, terminator in (COMBOS[k % len(COMBOS)], COMBOS[(k + 1) % len(COMBOS)]):
            d = c.shape()
            for target, record in INCLUDE_TARGETS.items():
                c.txt(f"{target}.{d}", record.replace("{d}", d))
            c.host(f"owna.{d}", v4="192.0.2.0", v6=None)
            c.txt(f"nothing.{d}", "just text")
            c.txt(f"twospf.{d}", "v=spf1 +all", "v=spf1 -all")
            c.txt(f"e.{d}", "included explanation")
            spec = f"x.{SERVFAIL_ZONE}" if name == "servfail" else f"{name}.{d}"
            c.spf(d, f"v=spf1 {qualifier}include:{spec}{terminator}", CLIENTS, "include")
    d = c.shape()
    c.spf(d, "v=spf1 include -all", [IP4_MATCH], "include")
    c.spf(c.shape(), f"v=spf1 INCLUDE:{ZONE.upper()}.", [IP4_MATCH], "include")


def _redirects(c):
    z = ZONE
    records = [
        "v=spf1 redirect=pass.{d}", "v=spf1 redirect=fail.{d}", "v=spf1 redirect=missing.{d}",
        "v=spf1 redirect=nothing.{d}", "v=spf1 redirect=twospf.{d}",
        f"v=spf1 redirect=x.{SERVFAIL_ZONE}", "v=spf1 -ip4:198.51.100.0/24 redirect=pass.{d}",
        "v=spf1 -all redirect=pass.{d}", "v=spf1 redirect=pass.{d} ?ip6:2001:db8::/32",
        "v=spf1 redirect=chain.{d}", "v=spf1 redirect=withexp.{d} exp=own.{d}",
        "v=spf1 redirect=pass.{d} redirect=fail.{d}", "v=spf1 redirect=",
        "v=spf1 redirect=owna.{d}", "v=spf1 redirect=syntax.{d}", "v=spf1 redirect=empty.{d}",
        "v=spf1 include:fail.{d} redirect=softfail.{d}", "v=spf1 redirect=pass.{d}. ",
        "v=spf1 redirect=%{d2}",
    ]
    for record in records:
        d = c.shape()
        for target, text in INCLUDE_TARGETS.items():
            c.txt(f"{target}.{d}", text.replace("{d}", d))
        c.txt(f"chain.{d}", f"v=spf1 ip6:2001:db8:1::/48 redirect=fail.{d}")
        c.host(f"owna.{d}", v4="192.0.2.0", v6=None)
        c.txt(f"nothing.{d}", "just text")
        c.txt(f"twospf.{d}", "v=spf1 +all", "v=spf1 -all")
        c.txt(f"e.{d}", "explanation of the redirect target for %{i}")
        c.txt(f"own.{d}", "explanation of the original domain")
        c.spf(d, record.replace("{d}", d), CLIENTS, "redirect",
              compare_exp="exp=" in record and "withexp" in record)
    _ = z


EXPLANATIONS = [
    "Not allowed: %{i}", "%{s} from %{i} via %{h}", "%{l} at %{o} for %{d}",
    "%{ir}.%{v} is not listed", "escaped %{S} %{L} %{O} %{D2}", "100%% sure%_here%-now",
    "client %{c}", "receiver %{r}", "See https://example.test/why?d=%{d}",
    ["part one, ", "part two"], "%{l1r-} %{d1r} %{h2}", "validated %{p}",
]


def _exp(c):
    for k, text in enumerate(EXPLANATIONS):
        d = c.shape()
        c.txt(f"e.{d}", text)
        record = f"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8:1::/64 -all exp=e.{d}"
        c.spf(d, record, [IP4_FAR, IP6_FAR, MAPPED_FAR, IP6_MID, IP4_MATCH], "exp",
              senders=[f"joe@{d}", f"First-Last+tag@{d}"], compare_exp=True)
    # exp= that cannot be used: the result stays, the explanation is the default.
    broken = [("e.{d}", None), ("e.{d}", ["one", "two"]), ("e.{d}", "bad %{x} macro"),
              (f"x.{SERVFAIL_ZONE}", None), ("%{l}.e.{d}", "via macro for %{l}"),
              ("e.{d}", "text with %{t} time")]
    for spec, text in broken:
        d = c.shape()
        spec = spec.replace("{d}", d)
        if isinstance(text, list):
            c.txt(spec, *text)
        elif text is not None:
            c.txt(expand(spec, IP4_FAR, f"joe@{d}", HELO, d), text)
        c.spf(d, f"v=spf1 ip4:192.0.2.0/24 -all exp={spec}", [IP4_FAR, IP4_MATCH], "exp",
              compare_exp=("via macro" in (text or "")))
    for record in ["v=spf1 -all exp=", "v=spf1 -all exp=e.{d} exp=e.{d}",
                   "v=spf1 ~all exp=e.{d}", "v=spf1 ?all exp=e.{d}"]:
        d = c.shape()
        c.txt(f"e.{d}", "some explanation")
        c.spf(d, record.replace("{d}", d), [IP4_FAR], "exp")


def _modifiers(c):
    for record in ["v=spf1 ip4:192.0.2.10 -all foo=bar", "v=spf1 x-y.z=%{d} ip4:192.0.2.10 -all",
                   "v=spf1 ip4:192.0.2.10 foo= -all", "v=spf1 moo.cow-far_out=man:dog/cat -all",
                   "v=spf1 ip4:192.0.2.10 -all op=x.y", "v=spf1 -all =foo",
                   "v=spf1 -all 1foo=bar", "v=spf1 ?all x_y=%{l}%{o}"]:
        d = c.shape()
        c.spf(d, record, [IP4_MATCH, IP4_FAR, IP6_MATCH], "modifier")


def _syntax(c):
    records = [
        "v=spf1 foo -all", "v=spf1 a/33 -all", "v=spf1 ip4:192.0.2.10/33", "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:192.0.2.010", "v=spf1 ip6:2001:db8::/129", "v=spf1 ip6:2001:db8::g",
        "v=spf1 mx//129 -all", "v=spf1 a//129", "v=spf1 ip4:192.0.2.10//64",
        "v=spf1 ip6:2001:db8::1//64", "v=spf1 -all:foo", "v=spf1 exists -all",
        "v=spf1 exists: -all", "v=spf1 ip4 -all", "v=spf1 ip6: -all", "v=spf1 a:192.0.2.10",
        "v=spf1 ip4:192.0.2.10 -all ~foo", "v=spf1 ip4:192.0.2.10 -all a:foo.123",
        "v=spf1 +-all", "v=spf1 a:foo.com, -all", "v=spf1 a/024 -all", "v=spf1 a/ -all",
        "v=spf1 ip4:192.0.2.0/024 -all", "v=spf1 mx:example.com:80 -all", "v=spf1 a: -all",
        "v=spf1 ptr/24 -all", "v=spf1 all/24", "v=spf1 exists:foo.test/24 -all",
        "v=spf1 include:foo.test/24 -all", "v=spf1 !all", "v=spf1 ip4:192.0.2.10 -all -",
        "v=spf1 a:%{d}.123 -all", "v=spf1 ip4:192.0.2.10 ip4:256.0.0.1 -all",
        "v=spf1 ip6:2001:db8:1::10 ip6:::ffff:1.2.3.400 -all", "v=spf1 A:B:C -all",
    ]
    for record in records:
        d = c.shape()
        c.host(d)
        c.spf(d, record, [IP4_MATCH, IP6_MATCH], "syntax")


def _records(c):
    sets = [
        (["v=spf1 -all", "v=spf1 +all"], "multiple"),
        (["v=spf1 ip4:192.0.2.10 -all", "v=spf1"], "multiple"),
        (["v=spf1 -all", "spf2.0/pra +all"], "select"),
        (["v=spf1 ip4:192.0.2.10 -all", "v=spf10 +all"], "select"),
        (["google-site-verification=abc", "v=spf1 ip6:2001:db8::/32 ~all"], "select"),
        ([["v=spf1 ip4:192.0.2.10", " -all"]], "strings"),
        ([["v=spf1", "ip4:192.0.2.10 -all"]], "strings"),
        ([["v=spf1 ip4:192.0.2.10 ", "ip6:2001:db8:1::10 ", "~all"]], "strings"),
        (["v=spf1-all"], "select"), (["v=spf1ip4:192.0.2.10"], "select"),
        (["v=spf2 -all"], "select"), (["spf1 -all"], "select"), ([" v=spf1 -all"], "select"),
        (["v=spf1 " + " ".join(f"ip4:203.0.113.{n}" for n in range(60)) + " ip4:192.0.2.10 -all"],
         "long"),
        (["v=spf1 " + " ".join(f"ip6:2001:db8:ff::{n:x}" for n in range(30)) +
          " ip6:2001:db8:1::/64 -all"], "long"),
    ]
    for texts, category in sets:
        d = c.shape()
        c.txt(d, *texts)
        record = " | ".join(t if isinstance(t, str) else "".join(t) for t in texts)
        for ip in [IP4_MATCH, IP6_MATCH, IP4_FAR]:
            c.case(d, record, ip, category=f"records-{category}")
    # No record: NXDOMAIN, a name with other records only, an unusable domain.
    for d, how in [(f"nx.{ZONE}", "nxdomain"), (f"nothing.{ZONE}", "no-spf"),
                   (f"h.{ZONE}", "no-txt"), (f"x.{SERVFAIL_ZONE}", "servfail"),
                   (f"deep.x.{SERVFAIL_ZONE}", "servfail")]:
        for ip in [IP4_MATCH, IP6_MATCH]:
            c.case(d, "", ip, category=f"records-{how}")


def _case_and_senders(c):
    d = c.shape()
    c.host(f"h.{d}")
    record = f"v=spf1 A:H.{d.upper()} Ip4:198.51.100.0/24 IP6:2001:DB9::/32 -ALL"
    c.txt(d, record)
    for ip in [IP4_MATCH, IP4_FAR, IP6_FAR, IP6_MID]:
        for sender in [f"joe@{d}", f"JOE@{d.upper()}", f"Joe.Q.Public@{d}"]:
            domain = sender.split("@")[1]
            c.case(domain, record, ip, sender, category="case")


def _temperror(c):
    s = SERVFAIL_ZONE
    records = [f"v=spf1 a:x.{s} -all", f"v=spf1 mx:x.{s} -all", f"v=spf1 exists:x.{s} -all",
               f"v=spf1 include:x.{s} -all", f"v=spf1 ip4:192.0.2.10 a:x.{s} -all",
               f"v=spf1 a:h.{ZONE} a:x.{s} -all", f"v=spf1 mx:badmx.{{d}} -all",
               f"v=spf1 ?exists:%{{l}}.{s} -all"]
    for record in records:
        d = c.shape()
        c.add(f"badmx.{d}", "MX", f"10 x.{s}.")
        c.spf(d, record.replace("{d}", d), [IP4_MATCH, IP6_MATCH, IP4_FAR], "temperror")


def _limits(c):
    def names(d, count, prefix="l"):
        for n in range(count):
            c.host(f"{prefix}{n}.{d}", v4=f"203.0.113.{n + 1}", v6=f"2001:db8:ff::{n + 1}")
        return [f"{prefix}{n}.{d}" for n in range(count)]

    clients = [IP4_MATCH, IP6_MATCH, IP4_FAR]
    for count in [8, 9, 10, 11, 12]:
        # `count` a: terms that do not match, then ip4/ip6 that do.
        d = c.shape()
        terms = " ".join(f"a:{n}" for n in names(d, count))
        c.spf(d, f"v=spf1 {terms} ip4:192.0.2.10 ip6:2001:db8:1::10 -all", clients, "limit-terms")
        # The term number `count` matches.
        d = c.shape()
        terms = " ".join(f"a:{n}" for n in names(d, count - 1)) + f" a:h.{ZONE}"
        c.spf(d, f"v=spf1 {terms} -all", clients, "limit-terms")
        # Mixed terms spread over includes: include(1) + the included record's terms.
        d = c.shape()
        inner = count - 3
        c.txt(f"inc.{d}", "v=spf1 " + " ".join(f"a:{n}" for n in names(d, inner, "e")) +
              " ?all")
        c.add(d, "MX", f"10 mx.{d}.")
        c.host(f"mx.{d}", v4="203.0.113.200", v6="2001:db8:ff::200")
        c.spf(d, f"v=spf1 include:inc.{d} mx ptr:nowhere.{ZONE} ip4:192.0.2.0/24 ~all", clients,
              "limit-terms")
        # redirect is a term too (no mechanism matches before it).
        d = c.shape()
        terms = " ".join(f"a:{n}" for n in names(d, count - 1))
        c.txt(f"tgt.{d}", "v=spf1 ip4:192.0.2.10 ip6:2001:db8:1::/64 -all")
        c.spf(d, f"v=spf1 {terms} redirect=tgt.{d}", clients, "limit-terms")
    # Terms without DNS do not count.
    d = c.shape()
    c.spf(d, "v=spf1 " + " ".join(f"ip4:203.0.113.{n}" for n in range(20)) + " ip4:192.0.2.10 -all",
          clients, "limit-terms")
    # Each mx, with up to 10 names, is one term.
    d = c.shape()
    for n in range(10):
        c.add(f"m.{d}", "MX", f"{n} mh{n}.{d}.")
        c.host(f"mh{n}.{d}", v4=f"203.0.113.{50 + n}", v6=f"2001:db8:ff::{50 + n}")
    for repeat in [9, 10]:
        d = c.shape()
        for n in range(10):
            c.add(f"m.{d}", "MX", f"{n} mh{n}.{d}.")
            c.host(f"mh{n}.{d}", v4=f"203.0.113.{50 + n}", v6=f"2001:db8:ff::{50 + n}")
        c.add(f"m2.{d}", "MX", f"10 h.{ZONE}.")
        c.spf(d, "v=spf1 " + " ".join([f"mx:m.{d}"] * repeat) + f" mx:m2.{d} -all", clients,
              "limit-terms")
    # An include loop ends in the term limit.
    d = c.shape()
    c.txt(f"loop1.{d}", f"v=spf1 include:loop2.{d} -all")
    c.txt(f"loop2.{d}", f"v=spf1 include:loop1.{d} -all")
    c.spf(d, f"v=spf1 include:loop1.{d} -all", [IP4_MATCH], "limit-terms")

    # Void lookups (RFC 7208 §4.6.4): at most 2.
    kinds = {"nx": lambda d, n: None,                                     # NXDOMAIN
             "nodata": lambda d, n: c.txt(f"nodata{n}.{d}", "text"),      # no A/AAAA
             }
    for voids in [1, 2, 3, 4]:
        for kind in ["nx", "nodata"]:
            for mech in ["a", "exists", "mx"]:
                d = c.shape()
                terms = []
                for n in range(voids):
                    kinds[kind](d, n)
                    terms.append(f"{mech}:{kind}{n}.{d}")
                c.spf(d, f"v=spf1 {' '.join(terms)} ip4:192.0.2.10 ip6:2001:db8:1::10 ~all",
                      clients, "limit-void")
    # AAAA lookups of A-only names are void for IPv6 clients only.
    for count in [2, 3]:
        d = c.shape()
        for n in range(count):
            c.host(f"v4only{n}.{d}", v4=f"203.0.113.{n + 1}", v6=None)
        terms = " ".join(f"a:v4only{n}.{d}" for n in range(count))
        c.spf(d, f"v=spf1 {terms} ip4:192.0.2.10 ip6:2001:db8:1::10 -all", clients, "limit-void")
    # Voids inside an include count toward the same total.
    for outer in [0, 1]:
        d = c.shape()
        c.txt(f"inc.{d}", f"v=spf1 a:nx1.{d} exists:nx2.{d} ?all")
        terms = " ".join(f"a:nxo{n}.{d}" for n in range(outer))
        c.spf(d, f"v=spf1 include:inc.{d} {terms} ip4:192.0.2.10 -all".replace("  ", " "),
              clients, "limit-void")
    # No PTR for the client is a void lookup too.
    d = c.shape()
    c.spf(d, f"v=spf1 a:nx1.{d} a:nx2.{d} ptr ip4:192.0.2.0/24 -all",
          [IP4_MATCH, IP4_FAR, IP4_NEAR], "limit-void")


def build():
    c = Corpus()
    _shared(c)
    for part in [_all, _ip4, _ip6, _a, _mx, _ptr, _macros, _macro_errors, _includes, _redirects,
                 _exp, _modifiers, _syntax, _records, _case_and_senders, _temperror, _limits]:
        part(c)
    return c


if __name__ == "__main__":
    corpus = build()
    print(len(corpus.cases), "cases,", sum(len(v) for v in corpus.zones.values()), "records")
