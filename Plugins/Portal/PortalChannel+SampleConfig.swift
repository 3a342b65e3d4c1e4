extension PortalChannel {
    /// The channel's keys for each preset, as commented configuration sections (also in
    /// Plugins/Portal/README.md).
    public static let sampleConfig = """
        # WordPress (REST API, Application Password). Idempotent: retries find the post by its slug
        # (cchc-<item id>), so an item is never posted twice.
        portal-tinh:
          type: portal
          preset: wordpress
          url: https://cchc.example.gov.vn          # required; the site's base URL
          username: cchc-bot                         # required
          password_file: /run/credentials/cchcd.service/portal-password
                                                     # required: the Application Password (or password_credential / password_env)
          status: publish                            # publish (default) | future | draft | pending | private
          categories: [12, 31]                       # optional term ids
          tags: [7]                                  # optional term ids
          featured_media: false                      # true: upload the item's first local image as the featured image
          timeout: 30s                               # optional; default: the HTTP client's (60s)

        # Any HTTP API. {{name}} values in url and body are escaped for their place (URL, JSON, form).
        portal-huyen:
          type: portal
          preset: generic                            # the default preset
          url: https://portal.example.gov.vn/api/news   # required; a Mustache template
          method: POST                               # POST (default) | PUT | PATCH
          headers: { X-Site: huyen }                 # optional
          auth:                                      # optional; default none
            kind: bearer                             # bearer | basic | header | none
            token_file: /run/credentials/cchcd.service/portal-token     # bearer and header
            # username: cchc                         # basic
            # password_file: /run/credentials/cchcd.service/portal-pass # basic
            # header: X-Api-Key                      # header: the header that carries the token
          body_format: json                          # json (default) | form
          # body: |                                  # optional Mustache template; default for json:
          #   {"id": "{{id}}", "title": "{{title}}", "summary": "{{summary}}", "content_html": "{{body_html}}",
          #    "topic": "{{topic}}", "topic_label": "{{topic_label}}", "unit": "{{unit}}", "publish_at": "{{publish_at}}"}
          id_pointer: /id                            # optional RFC 6901 pointer to the remote id in the JSON answer
          url_pointer: /link                         # optional pointer to the article URL (else the Location header)
          check_url: https://portal.example.gov.vn/api/ping   # optional; for cchc channel check
          timeout: 30s                               # optional
          idempotent: false                          # set true only when the portal deduplicates on Idempotency-Key

        # Static files: <slug>.html, index.html and feed.xml (RSS 2.0) in a folder.
        portal-tep:
          type: portal
          preset: static
          output: /var/www/cchc                      # required; relative paths resolve against this file's folder
          site_title: "Tin cải cách hành chính – Sở Nội vụ"   # optional
          base_url: https://cchc.example.gov.vn/tin  # optional public URL of the folder (else file:// URLs)
        """
}
