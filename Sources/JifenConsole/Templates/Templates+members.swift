extension Templates {
    static let members = """
        {{<layout}}{{$content}}
        <form id="member-search" method="get" action="/console/members" role="search" class="inline">
        <label for="q">{{t.search_label}}</label>
        <input id="q" name="q" value="{{q}}" type="search" maxlength="254" aria-describedby="q-help">
        <button type="submit">{{t.search}}</button>
        <p id="q-help" class="help">{{t.search_help}}</p>
        </form>
        {{#searched}}
        <table id="members">
        <caption>{{results_caption}}</caption>
        <thead><tr><th scope="col">{{t.member_id}}</th><th scope="col">{{t.name}}</th><th scope="col">{{t.email}}</th><th scope="col">{{t.phone}}</th><th scope="col" class="num">{{t.available_points}}</th><th scope="col">{{t.tier}}</th></tr></thead>
        <tbody>
        {{#results}}<tr data-member="{{external_id}}"><td><a href="/console/members/{{path_id}}">{{external_id}}</a></td><td>{{name}}</td><td>{{email}}</td><td>{{phone}}</td><td class="num">{{available}}</td><td>{{tier}}</td></tr>{{/results}}
        </tbody>
        </table>
        {{^results}}<p class="empty">{{t.no_members_found}}</p>{{/results}}
        {{/searched}}
        {{/content}}{{/layout}}
        """

    static let member = """
        {{<layout}}{{$content}}
        <div class="grid">
        <section class="card" aria-labelledby="profile-heading">
        <h2 id="profile-heading">{{t.profile}}</h2>
        <dl>
        <dt>{{t.member_id}}</dt><dd>{{external_id}}</dd>
        <dt>{{t.name}}</dt><dd>{{name}}</dd>
        <dt>{{t.email}}</dt><dd>{{email}}</dd>
        <dt>{{t.phone}}</dt><dd>{{phone}}</dd>
        <dt>{{t.member_since}}</dt><dd>{{created_at}}</dd>
        <dt>{{t.orders_count}}</dt><dd>{{order_count}}</dd>
        <dt>{{t.total_spend}}</dt><dd>{{total_spend}}</dd>
        </dl>
        </section>
        <section class="card" aria-labelledby="balance-heading">
        <h2 id="balance-heading">{{t.balance}}</h2>
        <p class="big"><span id="balance" data-points="{{available_raw}}">{{available}}</span> {{t.points_unit}}</p>
        <dl>
        <dt>{{t.pending}}</dt><dd>{{pending}}</dd>
        <dt>{{t.held}}</dt><dd>{{held}}</dd>
        <dt>{{t.lifetime_earned}}</dt><dd>{{lifetime_earned}}</dd>
        <dt>{{t.lifetime_redeemed}}</dt><dd>{{lifetime_redeemed}}</dd>
        <dt>{{t.lifetime_expired}}</dt><dd>{{lifetime_expired}}</dd>
        </dl>
        </section>
        <section class="card" id="tier" aria-labelledby="tier-heading">
        <h2 id="tier-heading">{{t.tier}}</h2>
        {{#tier}}
        <p class="big">{{name}}</p>
        <p>{{t.tier_since}} {{since}}</p>
        {{#next_tier}}
        <label for="tier-progress">{{progress_label}}</label>
        <progress id="tier-progress" max="{{threshold}}" value="{{value}}">{{value}} / {{threshold}}</progress>
        {{/next_tier}}
        {{/tier}}
        {{^tier}}<p class="empty">{{t.no_tier}}</p>{{/tier}}
        </section>
        </div>
        {{#can_adjust}}
        <section class="card" aria-labelledby="adjust-heading">
        <h2 id="adjust-heading">{{t.adjust_points}}</h2>
        <form id="adjustment" method="post" action="/console/members/{{path_id}}/adjustments">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="_form" value="{{form_key}}">
        <label for="points">{{t.points_change}}</label>
        <input id="points" name="points" type="number" required step="1" aria-describedby="points-help" value="{{form_points}}">
        <p id="points-help" class="help">{{points_help}}</p>
        <label for="reason_code">{{t.reason}}</label>
        <select id="reason_code" name="reason_code" required>
        {{#reasons}}<option value="{{code}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/reasons}}
        </select>
        <label for="note">{{t.note}}</label>
        <textarea id="note" name="note" maxlength="500" rows="2">{{form_note}}</textarea>
        <button type="submit">{{t.save_adjustment}}</button>
        </form>
        </section>
        {{/can_adjust}}
        <section aria-labelledby="lots-heading">
        <h2 id="lots-heading">{{t.lots}}</h2>
        <table id="lots">
        <thead><tr><th scope="col">{{t.source}}</th><th scope="col" class="num">{{t.points}}</th><th scope="col" class="num">{{t.remaining}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.earned_at}}</th><th scope="col">{{t.expires_at}}</th></tr></thead>
        <tbody>
        {{#lots}}<tr><td>{{source}}</td><td class="num">{{points}}</td><td class="num">{{remaining}}</td><td>{{state}}</td><td>{{earned_at}}</td><td>{{expires_at}}</td></tr>{{/lots}}
        </tbody>
        </table>
        {{^lots}}<p class="empty">{{t.none}}</p>{{/lots}}
        </section>
        <section aria-labelledby="ledger-heading">
        <h2 id="ledger-heading">{{t.ledger}}</h2>
        <table id="ledger">
        <thead><tr><th scope="col">{{t.time}}</th><th scope="col">{{t.kind}}</th><th scope="col" class="num">{{t.points}}</th><th scope="col" class="num">{{t.pending}}</th><th scope="col">{{t.reason}}</th><th scope="col">{{t.by}}</th><th scope="col">{{t.description}}</th></tr></thead>
        <tbody>
        {{#ledger}}<tr data-points="{{available_raw}}" data-reason="{{reason}}"><td>{{created_at}}</td><td>{{kind}}</td><td class="num">{{available}}</td><td class="num">{{pending}}</td><td>{{reason}}</td><td>{{actor}}</td><td>{{description}}</td></tr>{{/ledger}}
        </tbody>
        </table>
        {{^ledger}}<p class="empty">{{t.none}}</p>{{/ledger}}
        </section>
        <section aria-labelledby="orders-heading">
        <h2 id="orders-heading">{{t.orders}}</h2>
        <table id="orders">
        <thead><tr><th scope="col">{{t.order}}</th><th scope="col">{{t.status}}</th><th scope="col" class="num">{{t.amount}}</th><th scope="col">{{t.placed_at}}</th></tr></thead>
        <tbody>
        {{#orders}}<tr data-order="{{external_id}}"><td>{{external_id}}</td><td>{{status}}</td><td class="num">{{amount}}</td><td>{{placed_at}}</td></tr>{{/orders}}
        </tbody>
        </table>
        {{^orders}}<p class="empty">{{t.none}}</p>{{/orders}}
        </section>
        <div class="grid">
        <section id="coupons" aria-labelledby="coupons-heading">
        <h2 id="coupons-heading">{{t.coupons}}</h2>
        {{#has_coupons}}
        <table>
        <thead><tr><th scope="col">{{t.code}}</th><th scope="col">{{t.coupon}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.valid_until}}</th></tr></thead>
        <tbody>{{#coupons}}<tr><td><code>{{code}}</code></td><td>{{template_name}}</td><td>{{state}}</td><td>{{valid_until}}</td></tr>{{/coupons}}</tbody>
        </table>
        {{/has_coupons}}
        {{^has_coupons}}<p class="empty">{{t.none}}</p>{{/has_coupons}}
        </section>
        <section id="wallet" aria-labelledby="wallet-heading">
        <h2 id="wallet-heading">{{t.wallet}}</h2>
        {{#wallet}}
        <dl>
        <dt>{{t.wallet_available}}</dt><dd>{{available}}</dd>
        <dt>{{t.wallet_principal}}</dt><dd>{{principal}}</dd>
        <dt>{{t.wallet_bonus}}</dt><dd>{{bonus}}</dd>
        <dt>{{t.held}}</dt><dd>{{held}}</dd>
        </dl>
        {{/wallet}}
        {{^wallet}}<p class="empty">{{t.no_wallet}}</p>{{/wallet}}
        </section>
        </div>
        {{/content}}{{/layout}}
        """
}
