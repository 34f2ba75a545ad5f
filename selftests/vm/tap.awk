# SPDX-License-Identifier: GPL-2.0
#
# Turn the guest's result channel (see guest.sh) into global kselftest TAP.
# Variables: kernel (name), tests (expected names, space separated),
# n (number of the last line already printed), mode (tests|script),
# counts (file to write "n pass fail skip" to at the end), failed (file
# to append each failure's line to), t0 (host time
# at guest start, seconds since the epoch), retry (1: the runner boots
# again if the guest dies before its first test begins; then report
# nothing and write "n pass fail skip noboot" instead).
# Anything the guest did not report counts as a failure.

function emit(ok, desc, directive,    line) {
	n++
	line = (ok ? "ok " : "not ok ") n " " kernel " " desc
	if (directive != "")
		line = line " # " directive
	print line
	if (directive ~ /^SKIP/)
		skip++
	else if (ok)
		pass++
	else {
		fail++
		if (failed != "")
			print line >>failed
	}
	fflush()
}

function diag(s) { print "# " s; fflush() }

# A test's own result line: "ok 3 - desc # SKIP why" and variants.
function subresult(line,    ok, desc, dir, i) {
	ok = (line ~ /^ok/)
	sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, "", line)
	desc = line
	dir = ""
	if ((i = index(line, " # ")) > 0) {
		desc = substr(line, 1, i - 1)
		dir = substr(line, i + 3)
		if (toupper(dir) ~ /^SKIP/)
			dir = "SKIP" substr(dir, 5)
		else if (toupper(dir) ~ /^TODO/)
			dir = "TODO" substr(dir, 5)
		else {
			desc = line
			dir = ""
		}
	}
	if (dir ~ /^TODO/)
		ok = 1
	emit(ok, cur ": " desc, dir)
	subs++
	if (!ok)
		subfail++
}

function finish(name, rc, secs, limit) {
	if (rc == 124 || rc == 137)
		emit(0, name ": timed out (limit " limit " s)")
	else if (rc == 4 && !subs && !subfail)
		emit(1, name, "SKIP")
	else if (rc != 0 && !subfail)
		emit(0, name ": exit status " rc)
	else if (!subs && rc == 0)
		emit(1, name)
	if (nklog) {
		emit(0, name ": kernel log clean")
		for (i = 1; i <= nklog; i++)
			diag("  " klog[i])
	}
	if (taint != "")
		emit(0, name ": kernel not tainted (" taint ")")
	if (mode == "tests" && name != "unload")
		diag(name ": " secs " s")
	done_test[name] = 1
	cur = ""
}

BEGIN {
	pass = fail = skip = 0
	nexp = split(tests, expected, " ")
}

{ sub(/\r$/, "") }

function now(    cmd, t) {
	cmd = "date +%s.%N"
	cmd | getline t
	close(cmd)
	return t
}

/^VTUN-BOOT / {
	booted = 1; tinit = $2; boot = $3
	wboot = sprintf("%.1f", now() - t0)
	next
}

/^VTUN-BEGIN / {
	begun = 1
	cur = $2; subs = subfail = nklog = 0; taint = ""
	next
}

/^VTUN-BOOTLOG / { diag("boot log: " substr($0, 14)); next }

/^VTUN-KLOG / { klog[++nklog] = substr($0, 11); next }

/^VTUN-TAINT / { taint = $2 " -> " $3; next }

/^VTUN-END / { finish($2, $3, $4, $5); next }

/^VTUN-DONE / {
	alldone = 1; end = $2
	wend = sprintf("%.1f", now() - t0)
	next
}

cur == "" { next }

mode == "script" { print; fflush(); next }

/^(not )?ok([ \t]|$)/ { subresult($0); next }

/^[ \t]*#/ { print; fflush(); next }

/^1\.\.[0-9]+/ { next }

{ diag($0) }

END {
	if (retry && !begun) {
		print n, pass, fail, skip, "noboot" > counts
		exit
	}
	if (!booted)
		emit(0, "boot: guest did not come up")
	if (cur != "") {
		emit(0, cur ": guest died or hung during this test")
		done_test[cur] = 1
	}
	for (i = 1; i <= nexp; i++)
		if (!(expected[i] in done_test))
			emit(0, expected[i] ": not run")
	if (booted && !alldone && cur == "")
		emit(0, "guest did not finish")
	if (booted)
		diag(kernel " guest: /init at " tinit " s, tests at " boot \
			" s, done at " (alldone ? end : "?") " s uptime; wall " \
			wboot " s to tests, " (alldone ? wend : "?") " s to done")
	print n, pass, fail, skip > counts
}
