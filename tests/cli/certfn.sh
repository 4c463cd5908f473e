# certfn.sh: the shell functions the renew and security tests share.
# Source it after setup.sh ($E is the etcd-pki under test):
#
#   serial FILE      the certificate's serial (hex, as openssl prints it)
#   notafter FILE    its notAfter, as openssl prints it
#   sans FILE        its subjectAltName, one line, no spaces
#   spki FILE        sha256 of the certificate's public key (DER)
#   keyspki FILE     sha256 of the private key's public key (DER)
#   owner FILE       user:group; mode FILE: octal mode (links followed)
#   run NAME ARGS... etcd-pki ARGS: stdout NAME.out, stderr NAME.err,
#                    exit status in $rc
#   has FILE TEXT    FILE contains TEXT
#   rcis STATUS FILE TEXT   the last run exited STATUS and FILE has TEXT
serial() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
notafter() { openssl x509 -noout -enddate -in "$1" | sed 's/^notAfter=//'; }
sans() { openssl x509 -noout -ext subjectAltName -in "$1" | tail -n +2 | tr -d ' '; }
spki() { openssl x509 -noout -pubkey -in "$1" | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
keyspki() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
owner() { stat -L -c %U:%G "$1"; }
mode() { stat -L -c %a "$1"; }
rc=0
run() {
	_n=$1
	shift
	rc=0
	"$E" "$@" >"$_n.out" 2>"$_n.err" || rc=$?
}
has() { grep -q -- "$2" "$1"; }
rcis() { test "$rc" = "$1" && grep -q -- "$3" "$2"; }
