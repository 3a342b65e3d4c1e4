<?php
/**
 * Plugin Name: cchc-dispatch test faults
 * Description: Fault hooks and a request log for cchc-dispatch's tests against a real WordPress.
 *
 * Installed as a must-use plugin by scripts/wordpress-test-server.py; never on a real site.
 *
 * The site's wp-config.php defines CCHC_TEST_CONTROL, a folder holding:
 * - faults.json (written by the test, read on every request, no restart needed):
 *     {"slow_insert":  {"id": "…", "seconds": 3, "once": true},
 *      "lost_answer":  {"id": "…", "once": false},
 *      "error_after_insert": {"id": "…", "status": 503, "once": true}}
 *   Every fault applies to creating a post (POST /wp/v2/posts) only. A fault with "once": true applies
 *   to the next create only: its id is then recorded in consumed.txt and it no longer fires (write it
 *   again with a new id to arm it again).
 *   - slow_insert: sleeps that many seconds in rest_pre_insert_post, before the post is inserted.
 *   - lost_answer: once the post is inserted (rest_after_insert_post), the Apache child serving the
 *     request kills itself (SIGKILL): the kernel closes the connection and the client gets no byte of
 *     an answer ("Empty reply from server"), while the post stays in the database.
 *   - error_after_insert: once the post is inserted, the answer is a WordPress-style error with that
 *     status (default 503) instead of the 201.
 * - requests.jsonl (written here): one JSON line per event. Every REST request the site sees, before
 *   authentication: {"event":"request","method","route","query","delivery","time","pid"}; every fault
 *   that fired: {"event":"fault","fault","id","time","pid"}.
 */

if (!defined('CCHC_TEST_CONTROL')) {
    return;
}

// A test site sends no mail (wp_install would try to tell the administrator).
add_filter('pre_wp_mail', '__return_true');

function cchc_test_log(array $entry): void
{
    $entry['time'] = microtime(true);
    $entry['pid'] = getmypid();
    $line = json_encode($entry, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n";
    file_put_contents(CCHC_TEST_CONTROL . '/requests.jsonl', $line, FILE_APPEND | LOCK_EX);
}

/** The fault named $name if it is armed (and, when "once", marks it used). */
function cchc_test_take_fault(string $name): ?array
{
    $text = @file_get_contents(CCHC_TEST_CONTROL . '/faults.json');
    if ($text === false || $text === '') {
        return null;
    }
    $faults = json_decode($text, true);
    if (!is_array($faults) || !isset($faults[$name]) || !is_array($faults[$name])) {
        return null;
    }
    $fault = $faults[$name];
    $id = (string) ($fault['id'] ?? $name);
    if (!empty($fault['once'])) {
        // Check-and-record under one lock: two concurrent creates cannot both take a "once" fault.
        $handle = fopen(CCHC_TEST_CONTROL . '/consumed.txt', 'c+');
        if ($handle === false) {
            return null;
        }
        flock($handle, LOCK_EX);
        $used = explode("\n", stream_get_contents($handle));
        if (in_array($id, $used, true)) {
            flock($handle, LOCK_UN);
            fclose($handle);
            return null;
        }
        fseek($handle, 0, SEEK_END);
        fwrite($handle, $id . "\n");
        fflush($handle);
        flock($handle, LOCK_UN);
        fclose($handle);
    }
    cchc_test_log(['event' => 'fault', 'fault' => $name, 'id' => $id]);
    return $fault;
}

function cchc_test_is_create(WP_REST_Request $request): bool
{
    return $request->get_method() === 'POST' && rtrim($request->get_route(), '/') === '/wp/v2/posts';
}

// The request log: before WordPress authenticates or dispatches anything (rest_api_loaded runs at 10).
add_action('parse_request', function ($wp) {
    if (empty($wp->query_vars['rest_route'])) {
        return;
    }
    $query = $_GET;
    unset($query['rest_route']);
    cchc_test_log([
        'event' => 'request',
        'method' => $_SERVER['REQUEST_METHOD'] ?? '',
        'route' => '/' . ltrim((string) $wp->query_vars['rest_route'], '/'),
        'query' => (object) $query,
        'delivery' => $_SERVER['HTTP_X_CCHC_DELIVERY'] ?? null,
    ]);
}, 0);

add_filter('rest_pre_insert_post', function ($prepared, $request) {
    if (cchc_test_is_create($request) && ($fault = cchc_test_take_fault('slow_insert')) !== null) {
        sleep(max(0, (int) ($fault['seconds'] ?? 1)));
    }
    return $prepared;
}, 10, 2);

$GLOBALS['cchc_test_error_after_insert'] = null;

add_action('rest_after_insert_post', function ($post, $request, $creating) {
    if (!$creating || !cchc_test_is_create($request)) {
        return;
    }
    if (cchc_test_take_fault('lost_answer') !== null) {
        // Nothing has been sent yet (PHP buffers the answer until the request ends). Dying by SIGKILL
        // leaves Apache no chance to answer: the client sees the connection closed with no reply.
        // (exit() would not do: Apache would still send "200 OK" with an empty body.)
        if (function_exists('posix_kill')) {
            posix_kill(getmypid(), 9);
        }
        exec('kill -9 ' . (int) getmypid());
        exit(1);  // not reached
    }
    if (($fault = cchc_test_take_fault('error_after_insert')) !== null) {
        $GLOBALS['cchc_test_error_after_insert'] = (int) ($fault['status'] ?? 503);
    }
}, PHP_INT_MAX, 3);

add_filter('rest_post_dispatch', function ($response, $server, $request) {
    $status = $GLOBALS['cchc_test_error_after_insert'];
    if ($status === null || !cchc_test_is_create($request)) {
        return $response;
    }
    $GLOBALS['cchc_test_error_after_insert'] = null;
    $error = new WP_REST_Response(
        [
            'code' => 'cchc_test_fault',
            'message' => 'Injected failure after the post was inserted.',
            'data' => ['status' => $status],
        ],
        $status
    );
    return $error;
}, PHP_INT_MAX, 3);
