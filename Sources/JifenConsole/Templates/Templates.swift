/// The console's Mustache templates, compiled into the binary so the image needs no resource
/// files. Every visible word comes from the catalogue (`{{t.key}}`); a test checks that no
/// template holds text of its own and that every key exists in both languages.
///
/// Pages inherit `layout` (`{{<layout}}{{$content}}…{{/content}}{{/layout}}`).
enum Templates {
    static let all: [String: String] = [
        "layout": layout,
        "sign-in": signIn,
        "invitation": invitation,
        "error": error,
        "members": members,
        "member": member,
        "program": program,
        "campaigns": campaigns,
        "journeys": journeys,
        "reports": reports,
        "webhooks": webhooks,
        "staff": staff,
        "audit": audit,
    ]

    static let layout = """
        <!doctype html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.product}}</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        <link rel="icon" href="data:,">
        </head>
        <body>
        <a class="skip" href="#main">{{t.skip_to_content}}</a>
        <header class="top">
        <span class="brand">{{t.product}}</span>
        {{#session}}
        <nav id="nav" aria-label="{{t.nav_label}}">
        <ul>
        <li><a href="/console/members"{{#nav_members}} aria-current="page"{{/nav_members}}>{{t.nav_members}}</a></li>
        <li><a href="/console/program"{{#nav_program}} aria-current="page"{{/nav_program}}>{{t.nav_program}}</a></li>
        <li><a href="/console/campaigns"{{#nav_campaigns}} aria-current="page"{{/nav_campaigns}}>{{t.nav_campaigns}}</a></li>
        <li><a href="/console/journeys"{{#nav_journeys}} aria-current="page"{{/nav_journeys}}>{{t.nav_journeys}}</a></li>
        <li><a href="/console/reports"{{#nav_reports}} aria-current="page"{{/nav_reports}}>{{t.nav_reports}}</a></li>
        <li><a href="/console/webhooks"{{#nav_webhooks}} aria-current="page"{{/nav_webhooks}}>{{t.nav_webhooks}}</a></li>
        {{#can_manage_staff}}<li><a href="/console/staff"{{#nav_staff}} aria-current="page"{{/nav_staff}}>{{t.nav_staff}}</a></li>
        <li><a href="/console/audit"{{#nav_audit}} aria-current="page"{{/nav_audit}}>{{t.nav_audit}}</a></li>{{/can_manage_staff}}
        </ul>
        </nav>
        <span class="who">{{staff_name}} · {{role_label}}</span>
        <form id="sign-out" method="post" action="/console/sign-out">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <button type="submit">{{t.sign_out}}</button>
        </form>
        {{/session}}
        <nav class="languages" aria-label="{{t.language}}">
        <a hreflang="en" lang="en" href="/console/language?lang=en&amp;next={{next}}">{{t.language_en}}</a>
        <a hreflang="zh-Hans" lang="zh-Hans" href="/console/language?lang=zh-Hans&amp;next={{next}}">{{t.language_zh}}</a>
        </nav>
        </header>
        <main id="main" tabindex="-1">
        <h1>{{title}}</h1>
        {{#flash}}<p role="status" class="flash">{{flash}}</p>{{/flash}}
        {{#problem}}
        <div role="alert" class="problem">
        <p>{{message}}</p>
        {{#has_fields}}<ul>{{#fields}}<li data-field="{{field}}"><code>{{field}}</code>: {{message}}</li>{{/fields}}</ul>{{/has_fields}}
        </div>
        {{/problem}}
        {{$content}}{{/content}}
        </main>
        <footer>{{zone_note}}</footer>
        </body>
        </html>
        """

    static let signIn = """
        {{<layout}}{{$content}}
        <form id="sign-in" method="post" action="/console/sign-in" class="card narrow">
        <input type="hidden" name="_csrf" value="{{form_token}}">
        <input type="hidden" name="next" value="{{next_path}}">
        <label for="shop">{{t.shop_id}}</label>
        <input id="shop" name="shop" value="{{shop}}" required autocomplete="organization" spellcheck="false">
        <label for="email">{{t.email}}</label>
        <input id="email" name="email" type="email" value="{{email}}" required autocomplete="username">
        <label for="password">{{t.password}}</label>
        <input id="password" name="password" type="password" required autocomplete="current-password">
        <button id="sign-in-submit" type="submit">{{t.sign_in}}</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let invitation = """
        {{<layout}}{{$content}}
        <p>{{invitation_note}}</p>
        <form id="accept" method="post" action="/console/invitations/{{token}}" class="card narrow">
        <input type="hidden" name="_csrf" value="{{form_token}}">
        <label for="name">{{t.your_name}}</label>
        <input id="name" name="name" value="{{name}}" required maxlength="100" autocomplete="name">
        <label for="password">{{t.new_password}}</label>
        <input id="password" name="password" type="password" required minlength="12" autocomplete="new-password" aria-describedby="password-help">
        <p id="password-help" class="help">{{t.password_rule}}</p>
        <label for="password-confirm">{{t.repeat_password}}</label>
        <input id="password-confirm" name="password_confirm" type="password" required minlength="12" autocomplete="new-password">
        <button type="submit">{{t.join}}</button>
        </form>
        {{/content}}{{/layout}}
        """

    static let error = """
        {{<layout}}{{$content}}
        <p><a href="/console/members">{{t.back_to_members}}</a></p>
        {{/content}}{{/layout}}
        """
}
