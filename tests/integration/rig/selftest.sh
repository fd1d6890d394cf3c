#!/bin/bash
# selftest.sh: owns the proof that ntk-sysrig isolates (netns, /etc/iproute2, bus, polkit) and always tears down. Run as root.
# Must not leave anything on the host: it writes only under its own mktemp dir; exit 0 = all passed, 1 = a check failed, 77 = not root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rig=$here/ntk-sysrig
TEST_ACTION=org.netsukuku.test.do OWNED_ACTION=org.netsukuku.test.owned
pass=0 failed=0
check() { # check "what" cmd...
	local what=$1; shift
	if "$@"; then echo "ok   - $what"; pass=$((pass + 1)); else echo "FAIL - $what"; failed=$((failed + 1)); fi
}

# ---------- helpers used inside the rig ----------
pk_check() { # pk_check ACTION SUBJECT-KIND NKEYS KEY TYPE VALUE... -> prints "true"/"false"/"error"
	local out action=$1
	shift
	out=$(busctl --system call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
		org.freedesktop.PolicyKit1.Authority CheckAuthorization '(sa{sv})sa{ss}us' \
		"$@" "$action" 0 0 "" 2>&1) || { echo error; return; }
	set -- $out # "(bba{ss}) true false 0"
	echo "$2"
}
as_user() { # as_user USER GROUP cmd... (no PAM, environment kept)
	local u=$1 g=$2; shift 2
	setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
}
bus_name_of_pid() { # the unique bus name whose peer pid is $1 (waits up to 5 s)
	local n
	for _ in $(seq 100); do
		n=$(busctl --system list --no-legend 2>/dev/null | awk -v p="$1" '$1 ~ /^:/ && $2 == p { print $1 }')
		[ -n "$n" ] && { echo "$n"; return 0; }
		sleep 0.05
	done
	return 1
}
polkit_props_as() { # polkit_props_as USER GROUP: read polkit's properties as that user
	as_user "$1" "$2" busctl --system call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
		org.freedesktop.DBus.Properties GetAll s org.freedesktop.PolicyKit1.Authority >/dev/null
}
in_rig_pidns_count() { # number of host processes whose pid namespace is $1 (e.g. "pid:[4026532...]")
	local p n=0
	[ -n "$1" ] || { echo -1; return; } # unknown namespace: never "0 left"
	for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$1" ] && n=$((n + 1)); done
	echo "$n"
}

inside_netns() {
	check "inside: ip netns add x && ip netns exec x true" sh -c 'ip netns add x && ip netns exec x true'
	check "inside: ip netns list shows x" sh -c 'ip netns list | grep -q "^x\b"'
	check "inside: /etc/iproute2 is writable (rt_tables.d/ntk.conf; ip shows 'table ntk')" sh -c \
		'echo "251 ntk" > /etc/iproute2/rt_tables.d/ntk.conf &&
		ip route add unreachable 10.99.0.0/16 table 251 proto 15 && ip route show table all | grep -q "table ntk"'
	check "inside: only lo in the netns, up (/sys/class/net too)" sh -c \
		'[ "$(ls /sys/class/net)" = lo ] && ip -br link show lo | grep -q UP'
	[ "$failed" = 0 ]
}

inside_bus() {
	local pid cmdline host_id
	check "inside: DBUS_SYSTEM_BUS_ADDRESS is the private socket" [ "$DBUS_SYSTEM_BUS_ADDRESS" = unix:path=/run/dbus/system_bus_socket ]
	check "inside: busctl --system list shows org.freedesktop.PolicyKit1" sh -c \
		'busctl --system list --no-legend | grep -q "^org.freedesktop.PolicyKit1 "'
	pid=$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
		GetConnectionUnixProcessID s org.freedesktop.DBus | awk '{print $2}')
	cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
	check "inside: the bus daemon is the rig's (pid $pid: $cmdline)" grep -q -- "--config-file=/run/ntk-sysrig/system.conf" <<<"$cmdline"
	host_id=$(cat "$1/host-bus-id")
	check "inside: bus id differs from the host's system bus (${host_id:-host has none})" \
		[ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId)" != "$host_id" ]
	check "inside: user nobody reaches the private bus" \
		sh -c "setpriv --reuid=nobody --regid=nogroup --clear-groups busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId >/dev/null"
	check "inside: user nobody may call polkit (control for the next check)" polkit_props_as nobody nogroup
	check "inside: --policy-dir is loaded (its rule denies user daemon sending to polkit)" \
		sh -c "$(declare -f as_user polkit_props_as); polkit_props_as daemon daemon 2>&1 | grep -qiE 'access.?denied'"
	[ "$failed" = 0 ]
}

inside_polkit() {
	local nobody_pid daemon_pid nobody_name daemon_name
	# long-lived bus connections owned by nobody and by daemon (gdbus monitor just listens)
	# (setpriv, not the as_user function: a backgrounded function would be a subshell with another pid)
	setpriv --reuid=nobody --regid=nogroup --clear-groups gdbus monitor --system --dest org.freedesktop.DBus >/dev/null 2>&1 &
	nobody_pid=$!
	setpriv --reuid=daemon --regid=daemon --clear-groups gdbus monitor --system --dest org.freedesktop.DBus >/dev/null 2>&1 &
	daemon_pid=$!
	nobody_name=$(bus_name_of_pid "$nobody_pid") daemon_name=$(bus_name_of_pid "$daemon_pid")
	echo "     (nobody's connection: $nobody_name, daemon's: $daemon_name)"
	check "polkit: system-bus-name of a nobody process -> authorized" \
		[ "$(pk_check $TEST_ACTION system-bus-name 1 name s "$nobody_name")" = true ]
	check "polkit: system-bus-name of a daemon process -> not authorized" \
		[ "$(pk_check $TEST_ACTION system-bus-name 1 name s "$daemon_name")" = false ]
	check "polkit: unix-process of the nobody process -> authorized" \
		[ "$(pk_check $TEST_ACTION unix-process 2 pid u "$nobody_pid" start-time t 0)" = true ]
	check "polkit: unix-process of the daemon process -> not authorized" \
		[ "$(pk_check $TEST_ACTION unix-process 2 pid u "$daemon_pid" start-time t 0)" = false ]
	check "polkit: unknown bus name -> error (never authorized)" \
		[ "$(pk_check $TEST_ACTION system-bus-name 1 name s :1.99999)" = error ]
	check "polkit: non-root asking about another user's bus name -> refused (no owner annotation)" \
		[ "$(as_user nobody nogroup bash -c "$(declare -f pk_check); pk_check $TEST_ACTION system-bus-name 1 name s $daemon_name")" = error ]
	check "polkit: non-root action owner (annotation unix-user:nobody) may ask about others" \
		[ "$(as_user nobody nogroup bash -c "$(declare -f pk_check); pk_check $OWNED_ACTION system-bus-name 1 name s $daemon_name")" = false ]
	check "polkit: root as subject is always authorized (polkitd's built-in rule for uid 0)" \
		[ "$(pk_check $TEST_ACTION unix-process 2 pid u $$ start-time t 0)" = true ]
	kill "$nobody_pid" "$daemon_pid"
	[ "$failed" = 0 ]
}

inside_link() { # $1 = the expected MAC of eth1
	check "inside: eth1 is a veth, up, with carrier and MAC $1" sh -c \
		"ip -d link show dev eth1 | grep -q 'veth' && [ \$(cat /sys/class/net/eth1/carrier) = 1 ] &&
		 [ \$(cat /sys/class/net/eth1/address) = $1 ] && ip link show dev eth1 | grep -q '[<,]UP[,>]'"
	check "inside: eth2 (peer name chosen: ntkst-p2) is up" sh -c 'ip link show dev eth2 | grep -q "[<,]UP[,>]"'
	check "inside: NTK_SYSRIG_LINKS names both links ($NTK_SYSRIG_LINKS)" \
		bash -c '[[ "$NTK_SYSRIG_LINKS" =~ ^eth1@ntkv[0-9a-f]{8}\ eth2@ntkst-p2$ ]]'
	check "inside: only lo, eth1, eth2 in the netns" [ "$(ls /sys/class/net | tr '\n' ' ')" = "eth1 eth2 lo " ]
	check "inside: no fd on the segment netns is left open" sh -c '! ls -l /proc/$$/fd /proc/1/fd | grep -q "net:\["'
	[ "$failed" = 0 ]
}

if [ "${1:-}" = --inside ]; then # we are the command run by the rig
	what=$2; shift 2
	"inside_$what" "$@"
	exit
fi

# ---------- on the host ----------
[ "$(id -u)" = 0 ] || { echo "SKIP - selftest needs root"; exit 77; }
tmp=$(mktemp -d /tmp/ntk-sysrig-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp"/{actions,rules,policy}
cat >"$tmp/actions/org.netsukuku.test.policy" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <action id="$TEST_ACTION">
    <description>ntk-sysrig self-test action</description>
    <message>ntk-sysrig self-test action</message>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>no</allow_active></defaults>
  </action>
  <action id="$OWNED_ACTION">
    <description>ntk-sysrig self-test action owned by nobody</description>
    <message>ntk-sysrig self-test action owned by nobody</message>
    <defaults><allow_any>no</allow_any><allow_inactive>no</allow_inactive><allow_active>no</allow_active></defaults>
    <annotate key="org.freedesktop.policykit.owner">unix-user:nobody</annotate>
  </action>
</policyconfig>
EOF
cat >"$tmp/rules/50-ntk-sysrig-test.rules" <<EOF
polkit.addRule(function(action, subject) {
    if (action.id == "$TEST_ACTION" && subject.user == "nobody")
        return polkit.Result.YES;
});
EOF
cat >"$tmp/policy/ntk-sysrig-test.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="daemon"><deny send_destination="org.freedesktop.PolicyKit1"/></policy>
</busconfig>
EOF
busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId >"$tmp/host-bus-id" 2>/dev/null
sum_iproute2() { (cd /etc/iproute2 && find . -printf '%p %m %U %s\n' | sort && find . -type f -exec sha256sum {} + | sort) | sha256sum; }
before=$(sum_iproute2)
host_netns_before=$(ip netns list 2>/dev/null)
rig_opts=(--log "$tmp/daemons.log" --policy-dir "$tmp/policy" --polkit-actions "$tmp/actions" --polkit-rules "$tmp/rules")
run() { "$rig" "${rig_opts[@]}" -- "$@"; }
run_inside() { # run the checks of inside_$1 in a rig and count them here
	local out rc
	out=$(run "$0" --inside "$@" 2>&1)
	rc=$?
	echo "$out"
	pass=$((pass + $(grep -c '^ok ' <<<"$out"))) failed=$((failed + $(grep -c '^FAIL ' <<<"$out")))
	[ "$rc" = 0 ] || grep -q '^FAIL ' <<<"$out" || check "the rig ran the $1 checks (exit $rc)" false
}

echo "# 1. network namespaces and /etc/iproute2"
run_inside netns
check "host: ip netns list unchanged (no x)" sh -c "[ \"\$(ip netns list 2>/dev/null)\" = '$host_netns_before' ] && ! ip netns list 2>/dev/null | grep -q '^x\b'"
check "host: /etc/iproute2 unchanged (checksum of names, modes, owners, contents)" [ "$(sum_iproute2)" = "$before" ]

echo "# 2. private system bus"
run_inside bus "$tmp"

echo "# 3. polkit decides"
run_inside polkit

# A rig's pid namespace is identified by its inode; we hold it open on fd 5 while checking, otherwise
# the kernel may give the same inode to the next rig's namespace (e.g. a concurrent run's).
rig_extra=() # more rig options for rig_start
rig_start() { # rig_start CMD...: start a rig in the background; sets rig_pid, ns
	rm -f "$tmp/pf"
	# env --default-signal: a background job of a script would start with SIGINT ignored
	env --default-signal=INT "$rig" "${rig_opts[@]}" "${rig_extra[@]+"${rig_extra[@]}"}" --pidfile "$tmp/pf" -- "$@" &
	rig_pid=$! # (the rig itself: started directly, not through a function run in the background)
	for _ in $(seq 100); do [ -s "$tmp/pf" ] && break; sleep 0.05; done
	exec 5</proc/"$(cat "$tmp/pf")"/ns/pid && ns=$(readlink /proc/self/fd/5) || ns=
}
rig_wait_for() { # rig_wait_for COMM: wait (up to 5 s) until a process named COMM runs in the rig
	for _ in $(seq 100); do [[ " $(rig_comms)" == *" $1 "* ]] && return; sleep 0.05; done
}
rig_comms() { # the command names of the processes in pid namespace $ns
	local p
	for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] && cat "$p/comm" 2>/dev/null; done | sort | tr '\n' ' '
}

echo "# 4. teardown when the command fails"
rig_start sh -c "while [ ! -e $tmp/go ]; do sleep 0.05; done; exit 3"
rig_wait_for sh
echo "     (pid ns $ns: $(rig_comms))"
touch "$tmp/go"
wait "$rig_pid"
rc=$?
check "rig exit status is the command's (3, got $rc)" [ "$rc" = 3 ]
check "no process of the rig left" [ "$(in_rig_pidns_count "$ns")" = 0 ]
exec 5<&-

for sig in TERM:143 INT:130; do
	echo "# 5. teardown when the rig is interrupted (SIG${sig%:*})"
	rig_start sleep 60
	rig_wait_for sleep
	check "the rig is running: pid ns $ns holds: $(rig_comms)" \
		sh -c "echo '$(rig_comms)' | grep -q 'dbus-daemon .*polkitd .*sleep'"
	kill -"${sig%:*}" "$rig_pid"
	wait "$rig_pid"
	rc=$?
	check "rig exits ${sig#*:} on SIG${sig%:*} (got $rc)" [ "$rc" = "${sig#*:}" ]
	check "no process of the rig left" [ "$(in_rig_pidns_count "$ns")" = 0 ]
	exec 5<&-
done
check "host: /etc/iproute2 still unchanged" [ "$(sum_iproute2)" = "$before" ]

echo "# 6. --link: eth1 a veth end on a bridge of a segment netns (a throw-away 'unshare --net' here)"
# the segment: lives until its stdin (a fifo we hold open on fd 6) reaches EOF
mkfifo "$tmp/seg-fifo"
unshare --net -- sh -c 'ip link add name br0 type bridge && ip link set dev br0 up && echo ready && read _' \
	<"$tmp/seg-fifo" >"$tmp/seg-out" 2>&1 &
seg=$!
exec 6>"$tmp/seg-fifo"
for _ in $(seq 100); do grep -q ready "$tmp/seg-out" && break; sleep 0.05; done
in_seg() { nsenter -t "$seg" -n -- "$@"; }
host_links=$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
check "segment up with bridge br0 in its own netns" \
	sh -c "grep -q ready '$tmp/seg-out' && [ \"\$(readlink /proc/$seg/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
mac=02:00:5e:00:53:01
rig_extra=(--link "$seg:br0:eth1:$mac" --link "/proc/$seg/ns/net:br0:eth2@ntkst-p2")
rig_start sh -c "$0 --inside link $mac && touch $tmp/linked && while [ ! -e $tmp/go2 ]; do sleep 0.05; done"
rig_extra=()
for _ in $(seq 100); do [ -e "$tmp/linked" ] || ! kill -0 "$rig_pid" 2>/dev/null && break; sleep 0.05; done
check "inside checks passed (the lines above, counted here as one)" [ -e "$tmp/linked" ]
ports=$(in_seg ip -o link show master br0 | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' ')
ports_ok() { [[ $ports =~ ^ntkst-p2\ ntkv[0-9a-f]{8}\ $ ]]; }
check "segment: the peers are the ports of br0 ($ports)" ports_ok
check "host: no new interface in the caller's netns" \
	[ "$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$host_links" ]
touch "$tmp/go2"
wait "$rig_pid"
rc=$?
check "rig exit status 0 (got $rc)" [ "$rc" = 0 ]
for _ in $(seq 100); do [ -z "$(in_seg ip -o link show master br0)" ] && break; sleep 0.05; done
check "segment: the ports went with the rig's netns" [ -z "$(in_seg ip -o link show master br0)" ]
check "no process of the rig left" [ "$(in_rig_pidns_count "$ns")" = 0 ]
exec 5<&-
"$rig" --no-polkit --log "$tmp/daemons.log" --link "$seg:nosuchbr:eth1" -- true 2>"$tmp/err"
rc=$?
check "--link to a missing bridge: exit 125 ($rc), said so, no port left in the segment" sh -c \
	"[ $rc = 125 ] && grep -q 'bridge nosuchbr' '$tmp/err' && sleep 0.5 && [ -z \"\$(nsenter -t $seg -n ip -o link show | grep -v ': \(lo\|br0\):')\" ]"
"$rig" --no-polkit --link "/proc/$$/fd/0:br0:eth1" -- true 2>"$tmp/err"
rc=$?
check "--link to a file that is no netns: exit 125 ($rc)" sh -c "[ $rc = 125 ] && grep -q 'not a network namespace' '$tmp/err'"
"$rig" --no-polkit --link "$seg:br0:eth1:02:00:zz:00:00:01" -- true 2>"$tmp/err"
rc=$?
check "--link with a bad MAC: exit 125 ($rc)" [ "$rc" = 125 ]
exec 6>&- # EOF: the segment goes
wait "$seg"
check "host: no new interface in the caller's netns, at the end either" \
	[ "$(ip -o link show | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$host_links" ]

[ "$failed" = 0 ] || { echo "# daemons' log:"; sed 's/^/#   /' "$tmp/daemons.log"; }
echo "$pass passed, $failed failed"
[ "$failed" = 0 ]
