<?php
/**
 * The test site's command line, run with PHP's CLI as the web server's user by
 * scripts/wordpress-test-server.py and by the tests (TestSupport's RealWordPress).
 *
 * Usage: php cchc-site.php WORDPRESS_DIR COMMAND [ARGS]
 *   install URL ADMIN_PASSWORD USER ROLE  installs the site, pretty permalinks (/%postname%/), the
 *                                         publishing user with ROLE and its Application Password;
 *                                         prints {"user_id","application_password"}
 *   posts                                 every post in every status (trash, drafts… but not
 *                                         auto-drafts) as a JSON array, oldest first
 *   media                                 every attachment as a JSON array
 *   category NAME                         creates a category (or finds it); prints {"id"}
 */

if (PHP_SAPI !== 'cli' || $argc < 3) {
    fwrite(STDERR, "usage: php cchc-site.php WORDPRESS_DIR COMMAND [ARGS]\n");
    exit(2);
}
$dir = rtrim($argv[1], '/');
$command = $argv[2];
$args = array_slice($argv, 3);

$_SERVER['HTTP_HOST'] = $_SERVER['HTTP_HOST'] ?? '127.0.0.1';
$_SERVER['REQUEST_METHOD'] = 'GET';
if ($command === 'install') {
    define('WP_INSTALLING', true);
}
require $dir . '/wp-load.php';

function cchc_print($value): void
{
    echo json_encode($value, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

function cchc_fail(string $message): void
{
    fwrite(STDERR, $message . "\n");
    exit(1);
}

switch ($command) {
    case 'install':
        [$url, $adminPassword, $login, $role] = $args + [null, null, null, null];
        require_once ABSPATH . 'wp-admin/includes/upgrade.php';
        $result = wp_install('CCHC test', 'admin', 'admin@example.invalid', false, '', $adminPassword);
        if (is_wp_error($result)) {
            cchc_fail('wp_install: ' . $result->get_error_message());
        }
        // Pretty permalinks: /wp-json/ only routes with them. A bare update_option leaves stale rules.
        global $wp_rewrite;
        $wp_rewrite->set_permalink_structure('/%postname%/');
        flush_rewrite_rules(false);
        $userID = wp_insert_user([
            'user_login' => $login,
            'user_pass' => wp_generate_password(32, true, true),
            'user_email' => $login . '@example.invalid',
            'display_name' => 'Bot CCHC',
            'role' => $role,
        ]);
        if (is_wp_error($userID)) {
            cchc_fail('wp_insert_user: ' . $userID->get_error_message());
        }
        if (!wp_is_application_passwords_available_for_user(get_user_by('id', $userID))) {
            cchc_fail('Application Passwords are not available (WP_ENVIRONMENT_TYPE must be local over HTTP)');
        }
        $created = WP_Application_Passwords::create_new_application_password($userID, ['name' => 'cchc-dispatch']);
        if (is_wp_error($created)) {
            cchc_fail('application password: ' . $created->get_error_message());
        }
        cchc_print(['user_id' => $userID, 'application_password' => WP_Application_Passwords::chunk_password($created[0])]);
        break;

    case 'posts':
        $posts = get_posts([
            'post_type' => 'post',
            'post_status' => ['publish', 'future', 'draft', 'pending', 'private', 'trash'],
            'numberposts' => -1,
            'orderby' => 'ID',
            'order' => 'ASC',
            'suppress_filters' => true,
        ]);
        $out = [];
        foreach ($posts as $post) {
            $author = get_user_by('id', $post->post_author);
            $out[] = [
                'id' => $post->ID,
                'title' => $post->post_title,
                'content' => $post->post_content,
                'excerpt' => $post->post_excerpt,
                'slug' => $post->post_name,
                // WordPress renames a trashed post's slug to "…__trashed" and keeps the old one here.
                'slug_before_trash' => get_post_meta($post->ID, '_wp_desired_post_slug', true) ?: null,
                'status' => $post->post_status,
                'status_before_trash' => get_post_meta($post->ID, '_wp_trash_meta_status', true) ?: null,
                'author' => $author ? $author->user_login : null,
                'date_gmt' => $post->post_date_gmt,
                'featured_media' => (int) get_post_thumbnail_id($post->ID),
                'categories' => wp_get_post_categories($post->ID),
                'tags' => wp_get_post_tags($post->ID, ['fields' => 'ids']),
                'link' => get_permalink($post->ID),
            ];
        }
        cchc_print($out);
        break;

    case 'media':
        $out = [];
        foreach (get_posts(['post_type' => 'attachment', 'post_status' => 'any', 'numberposts' => -1,
            'orderby' => 'ID', 'order' => 'ASC']) as $attachment) {
            $file = get_attached_file($attachment->ID);
            $out[] = [
                'id' => $attachment->ID,
                'title' => $attachment->post_title,
                'mime_type' => $attachment->post_mime_type,
                'file' => $file,
                'file_name' => $file ? basename($file) : null,
                'bytes' => ($file && file_exists($file)) ? filesize($file) : null,
                'parent' => $attachment->post_parent,
                'url' => wp_get_attachment_url($attachment->ID),
            ];
        }
        cchc_print($out);
        break;

    case 'category':
        $name = $args[0] ?? cchc_fail('category: a name is needed');
        $existing = term_exists($name, 'category');
        $term = $existing ?: wp_insert_term($name, 'category');
        if (is_wp_error($term)) {
            cchc_fail('category: ' . $term->get_error_message());
        }
        cchc_print(['id' => (int) $term['term_id']]);
        break;

    default:
        cchc_fail("unknown command $command");
}
