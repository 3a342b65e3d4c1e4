#!/usr/bin/env python3
"""A real WordPress (Debian's packages) on a loopback port, for the portal channel's tests.

Usage: wordpress-test-server.py [--dir DIR] [--port N] [--role author|editor] [--keep] [--max-lifetime S]

Starts, everything under a fresh folder (DIR, default a new temporary one):
- MariaDB (mariadbd) on a unix socket only (no TCP), its own data folder;
- Apache (mpm_prefork + mod_php) with a configuration of its own, listening on 127.0.0.1:PORT (default
  a free port, chosen just before Apache binds it, another one if it was taken meanwhile), the rewrite
  rules of pretty permalinks in that configuration;
- WordPress from /usr/share/wordpress (the top-level PHP files are copied so that WordPress reads this
  site's wp-config.php; wp-admin and wp-includes are links), wp-content of its own with the fault
  plugin scripts/wordpress/cchc-faults.php as a must-use plugin;
then installs the site, sets pretty permalinks (/%postname%/), creates the publishing user (role author
by default: the smallest role that can create, publish, upload media and trash its own posts) and an
Application Password (WP_ENVIRONMENT_TYPE=local, so WordPress takes it over plain HTTP).

Prints one JSON line on standard output when the site answers:
  {"base_url", "username", "application_password", "site_dir", "wordpress_dir", "control_dir",
   "faults_file", "request_log", "php_user", "pid", "stop", "startup_seconds"}
Stops MariaDB and Apache and removes DIR (unless --keep) on SIGTERM or SIGINT, when its parent process
exits, or after --max-lifetime seconds (default 3600); Apache and MariaDB also get SIGTERM if this script
is killed. Logs: DIR/log/ (apache-error.log, php-error.log, mariadb.log).
The site has an administrator too (wp_install makes one; its password is random and never printed). As root, PHP runs as www-data and MariaDB as mysql; otherwise
everything runs as the calling user. Passwords are generated at run time.
"""

import argparse
import ctypes
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

WORDPRESS = "/usr/share/wordpress"
HERE = os.path.dirname(os.path.abspath(__file__))
PLUGIN = os.path.join(HERE, "wordpress", "cchc-faults.php")
SITE_TOOL = os.path.join(HERE, "wordpress", "cchc-site.php")
USERNAME = "cchc-bot"

children = []  # (name, Popen), stopped in reverse order
site_dir = None
keep = False


def log(message):
    print(f"wordpress-test-server: {message}", file=sys.stderr, flush=True)


def fail(message):
    log(message)
    stop_all()
    sys.exit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parent_death_signal():
    """In a child: SIGTERM it when this script dies (even by SIGKILL). Kept across exec."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def as_user(user):
    """preexec_fn: become `user` (when root), then ask for SIGTERM on this script's death."""

    def run():
        if user is not None and os.getuid() == 0:
            entry = pwd.getpwnam(user)
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        parent_death_signal()

    return run


def chown(path, user):
    if user is not None and os.getuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def stop_all(*_):
    while children:
        name, process = children.pop()
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop on SIGTERM; killing it")
                process.kill()
                process.wait()
    if site_dir and not keep:
        shutil.rmtree(site_dir, ignore_errors=True)


def write(path, text, mode=0o644, user=None):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    chown(path, user)


def tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def start_mariadb(root, db_user):
    datadir = os.path.join(root, "db")
    rundir = os.path.join(root, "run")
    os.makedirs(datadir)
    os.makedirs(rundir)
    for path in (datadir, rundir):
        chown(path, db_user)
    user_args = [f"--user={db_user}"] if db_user else []
    install = subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={datadir}", "--skip-test-db",
         "--auth-root-authentication-method=socket", "--skip-name-resolve"] + user_args,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if install.returncode != 0:
        fail(f"mariadb-install-db failed:\n{install.stdout[-3000:]}")
    password = secrets.token_urlsafe(24)
    init = os.path.join(rundir, "init.sql")
    write(init,
          "CREATE DATABASE wordpress CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n"
          f"CREATE USER 'wordpress'@'localhost' IDENTIFIED BY '{password}';\n"
          "GRANT ALL PRIVILEGES ON wordpress.* TO 'wordpress'@'localhost';\n",
          mode=0o600, user=db_user)
    socket_path = os.path.join(rundir, "mysqld.sock")
    error_log = os.path.join(root, "log", "mariadb.log")
    process = subprocess.Popen(
        ["mariadbd", "--no-defaults", f"--datadir={datadir}", f"--socket={socket_path}", "--skip-networking",
         f"--pid-file={os.path.join(rundir, 'mysqld.pid')}", f"--log-error={error_log}", f"--init-file={init}",
         "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
         "--innodb-flush-log-at-trx-commit=2", "--skip-log-bin", "--performance-schema=OFF",
         "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=as_user(db_user))
    children.append(("mariadbd", process))
    deadline = time.time() + 60
    while True:
        if process.poll() is not None:
            fail(f"mariadbd exited ({process.returncode}):\n{tail(error_log)}")
        if os.path.exists(socket_path):
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                    s.connect(socket_path)
                    break
            except OSError:
                pass
        if time.time() > deadline:
            fail(f"mariadbd did not open its socket in 60 s:\n{tail(error_log)}")
        time.sleep(0.05)
    return socket_path, password


def lay_out_wordpress(root, socket_path, db_password, php_user):
    """A WordPress folder whose wp-load.php finds this site's wp-config.php: PHP resolves links in
    __DIR__, so the top-level PHP files are copies; wp-admin and wp-includes are links."""
    wp = os.path.join(root, "wordpress")
    os.makedirs(wp)
    for name in os.listdir(WORDPRESS):
        source = os.path.join(WORDPRESS, name)
        if name in ("wp-config.php", "wp-content", ".htaccess"):
            continue
        if name.endswith(".php") and os.path.isfile(source):
            shutil.copy(source, os.path.join(wp, name))
        else:
            os.symlink(source, os.path.join(wp, name))
    content = os.path.join(root, "wp-content")
    for sub in ("", "mu-plugins", "plugins", "uploads", "upgrade"):
        os.makedirs(os.path.join(content, sub), exist_ok=True)
        chown(os.path.join(content, sub), php_user)
    os.symlink(os.path.join(WORDPRESS, "wp-content", "themes"), os.path.join(content, "themes"))
    shutil.copy(PLUGIN, os.path.join(content, "mu-plugins", "cchc-faults.php"))
    control = os.path.join(root, "control")
    os.makedirs(control)
    chown(control, php_user)
    write(os.path.join(control, "faults.json"), "{}\n", mode=0o644)

    salts = "".join(
        f"define('{key}', '{secrets.token_hex(32)}');\n"
        for key in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                    "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"))
    config = f"""<?php
// Written by scripts/wordpress-test-server.py for one test run.
define('DB_NAME', 'wordpress');
define('DB_USER', 'wordpress');
define('DB_PASSWORD', '{db_password}');
define('DB_HOST', 'localhost:{socket_path}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
{salts}$table_prefix = 'wp_';
// Application Passwords over plain HTTP need a local environment.
define('WP_ENVIRONMENT_TYPE', 'local');
define('WP_HOME', '@BASE_URL@');
define('WP_SITEURL', '@BASE_URL@');
define('WP_CONTENT_DIR', '{content}');
define('WP_CONTENT_URL', '@BASE_URL@/wp-content');
define('CCHC_TEST_CONTROL', '{control}');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_AUTO_UPDATE_CORE', false);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('FS_METHOD', 'direct');
define('WP_DEBUG', false);
if (!defined('ABSPATH')) {{
    define('ABSPATH', __DIR__ . '/');
}}
require_once ABSPATH . 'wp-settings.php';
"""
    return wp, control, config


def write_wp_config(wp, template, base_url, php_user):
    write(os.path.join(wp, "wp-config.php"), template.replace("@BASE_URL@", base_url), mode=0o600, user=php_user)


def apache_config(root, wp, port, php_user):
    logs = os.path.join(root, "log")
    run = os.path.join(root, "apache")
    os.makedirs(run, exist_ok=True)
    modules = "/usr/lib/apache2/modules"
    load = "".join(
        f"LoadModule {name}_module {modules}/{file}\n"
        for name, file in (("mpm_prefork", "mod_mpm_prefork.so"), ("authz_core", "mod_authz_core.so"),
                           ("dir", "mod_dir.so"), ("alias", "mod_alias.so"), ("mime", "mod_mime.so"), ("rewrite", "mod_rewrite.so"),
                           ("php", "libphp8.2.so")))
    user = f"User {php_user}\nGroup {php_user}\n" if php_user else ""
    config = f"""# Written by scripts/wordpress-test-server.py for one test run.
ServerRoot /etc/apache2
ServerName 127.0.0.1
DefaultRuntimeDir {run}
PidFile {run}/apache2.pid
Mutex file:{run} default
{load}{user}Listen 127.0.0.1:{port}
StartServers 2
MinSpareServers 2
MaxSpareServers 6
MaxRequestWorkers 16
KeepAlive On
KeepAliveTimeout 5
Timeout 120
ErrorLog {logs}/apache-error.log
LogLevel warn
LogFormat "%h %t \\"%r\\" %>s %b %D" timed
CustomLog {logs}/apache-access.log timed
TypesConfig /etc/mime.types
DocumentRoot {wp}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {wp}>
    Options FollowSymLinks
    AllowOverride None
    Require all granted
    DirectoryIndex index.php
    # WordPress's pretty permalinks (Debian's .htaccess has these rules commented out)
    RewriteEngine On
    RewriteBase /
    RewriteRule ^index\\.php$ - [L]
    RewriteCond %{{REQUEST_FILENAME}} !-f
    RewriteCond %{{REQUEST_FILENAME}} !-d
    RewriteRule . /index.php [L]
</Directory>
<Directory {root}/wp-content>
    Require all granted
</Directory>
Alias /wp-content {root}/wp-content
<FilesMatch "\\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
php_admin_value error_log {logs}/php-error.log
php_admin_value upload_max_filesize 16M
php_admin_value post_max_size 20M
"""
    path = os.path.join(run, "apache2.conf")
    write(path, config)
    return path


def start_apache(root, wp, port, php_user):
    """Starts Apache; waits until the REST API answers through the pretty permalink. False when the
    port was taken; exits on any other failure."""
    conf = apache_config(root, wp, port, php_user)
    stderr_path = os.path.join(root, "log", "apache-stderr.log")
    apache = subprocess.Popen(
        ["/usr/sbin/apache2", "-f", conf, "-DFOREGROUND"], stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=open(stderr_path, "w"),
        preexec_fn=parent_death_signal, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"})
    children.append(("apache2", apache))
    deadline = time.time() + 60
    while True:
        if apache.poll() is not None:
            children.remove(("apache2", apache))
            if "Address already in use" in tail(stderr_path):
                return False
            fail(f"apache2 exited ({apache.returncode}):\n{tail(stderr_path)}"
                 f"{tail(os.path.join(root, 'log', 'apache-error.log'))}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(f"GET /wp-json/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
                answer = b""
                while chunk := s.recv(65536):
                    answer += chunk
            head = answer.split(b"\r\n", 1)[0]
            if b" 200 " in head and b'"namespaces"' in answer:
                return True
            if time.time() > deadline:
                fail(f"GET /wp-json/ on port {port} answered {head!r}, not the REST index (pretty permalinks?)")
        except OSError:
            if time.time() > deadline:
                fail(f"nothing answers on 127.0.0.1:{port}")
        time.sleep(0.05)


def main():
    global site_dir, keep
    started = time.monotonic()
    args = argparse.ArgumentParser()
    args.add_argument("--dir")
    args.add_argument("--port", type=int, default=0)
    args.add_argument("--role", default="author", choices=["author", "editor"])
    args.add_argument("--keep", action="store_true")
    args.add_argument("--max-lifetime", type=float, default=3600)
    options = args.parse_args()
    keep = options.keep

    # A parent may have started this with signals blocked (Foundation's Process on Linux passes its
    # thread's mask on): SIGTERM would then never arrive here, nor at Apache, which inherits the mask.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: (stop_all(), sys.exit(0)))
    signal.signal(signal.SIGINT, lambda *_: (stop_all(), sys.exit(0)))
    # Whatever hangs (the install, MariaDB, Apache), the caller hears within two minutes.
    signal.signal(signal.SIGALRM, lambda *_: fail("the site did not start within 120 s"))
    signal.alarm(120)
    for tool in ("mariadbd", "mariadb-install-db", "apache2", "php"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            fail(f"{tool} is not installed (scripts/install-deps.sh --test installs it)")
    if not os.path.exists(os.path.join(WORDPRESS, "wp-settings.php")):
        fail(f"WordPress is not installed in {WORDPRESS} (scripts/install-deps.sh --test installs it)")

    is_root = os.getuid() == 0
    php_user = "www-data" if is_root else None
    db_user = "mysql" if is_root else None
    site_dir = options.dir or tempfile.mkdtemp(prefix="cchc-wordpress-")
    os.makedirs(site_dir, exist_ok=True)
    os.chmod(site_dir, 0o755)
    os.makedirs(os.path.join(site_dir, "log"))
    chown(os.path.join(site_dir, "log"), php_user)

    socket_path, db_password = start_mariadb(site_dir, db_user)
    wp, control, config = lay_out_wordpress(site_dir, socket_path, db_password, php_user)
    # Installed with a provisional address: WP_HOME and WP_SITEURL in wp-config.php decide the real one.
    write_wp_config(wp, config, "http://127.0.0.1", php_user)
    # PHP runs as the web server's user, which may not read the checkout (a clone in a 0700 folder): it
    # runs a copy of the site tool kept in the site's folder, like the mu-plugin.
    site_tool = os.path.join(site_dir, "cchc-site.php")
    shutil.copy(SITE_TOOL, site_tool)
    os.chmod(site_tool, 0o644)

    # Install as the web server's user (uploads and the control files are then its own).
    php = ["php", "-d", "error_log=" + os.path.join(site_dir, "log", "php-cli.log")]
    install = subprocess.run(
        php + [site_tool, wp, "install", "http://127.0.0.1", secrets.token_urlsafe(24), USERNAME, options.role],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=as_user(php_user))
    if install.returncode != 0:
        fail(f"installing WordPress failed:\n{install.stdout}\n{install.stderr}")
    try:
        installed = json.loads(install.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        fail(f"the installer printed no JSON:\n{install.stdout}\n{install.stderr}")

    # The port is chosen just before Apache binds it; if another program took it meanwhile, another.
    for attempt in range(1, 6):
        port = options.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        write_wp_config(wp, config, base_url, php_user)
        if start_apache(site_dir, wp, port, php_user):
            break
        if options.port or attempt == 5:
            fail(f"apache2 could not listen on 127.0.0.1:{port}:\n"
                 f"{tail(os.path.join(site_dir, 'log', 'apache-stderr.log'))}")
        log(f"port {port} was taken meanwhile; trying another")

    # The readiness probe is not a test's request.
    open(os.path.join(control, "requests.jsonl"), "w").close()
    chown(os.path.join(control, "requests.jsonl"), php_user)

    print(json.dumps({
        "base_url": base_url,
        "username": USERNAME,
        "role": options.role,
        "application_password": installed["application_password"],
        "site_dir": site_dir,
        "wordpress_dir": wp,
        "control_dir": control,
        "faults_file": os.path.join(control, "faults.json"),
        "request_log": os.path.join(control, "requests.jsonl"),
        "php_user": php_user,
        "site_tool": site_tool,
        "pid": os.getpid(),
        "stop": f"kill -TERM {os.getpid()}",
        "startup_seconds": round(time.monotonic() - started, 2),
    }), flush=True)
    signal.alarm(0)

    parent = os.getppid()
    deadline = time.monotonic() + options.max_lifetime
    while True:
        time.sleep(0.5)
        for name, process in children:
            if process.poll() is not None:
                fail(f"{name} exited ({process.returncode}); stopping")
        if os.getppid() != parent:
            log("parent process gone; stopping")
            break
        if time.monotonic() > deadline:
            log("max lifetime reached; stopping")
            break
    stop_all()


if __name__ == "__main__":
    main()
