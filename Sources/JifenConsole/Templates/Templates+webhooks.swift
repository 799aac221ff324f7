extension Templates {
    static let webhooks = """
        {{<layout}}{{$content}}
        <section aria-labelledby="endpoints-heading">
        <h2 id="endpoints-heading">{{t.endpoints}}</h2>
        <table id="endpoints">
        <thead><tr><th scope="col">{{t.url}}</th><th scope="col">{{t.events}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.failing_since}}</th></tr></thead>
        <tbody>{{#endpoints}}<tr data-endpoint="{{id}}"><td><code>{{url}}</code></td><td>{{events}}</td><td>{{state}}</td><td>{{failing_since}}</td></tr>{{/endpoints}}</tbody>
        </table>
        {{^endpoints}}<p class="empty">{{t.no_endpoints}}</p>{{/endpoints}}
        </section>
        <section aria-labelledby="deliveries-heading">
        <h2 id="deliveries-heading">{{t.deliveries}}</h2>
        <form method="get" action="/console/webhooks" class="inline">
        <label for="delivery-state">{{t.state}}</label>
        <select id="delivery-state" name="state">
        {{#state_options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/state_options}}
        </select>
        <button type="submit">{{t.filter}}</button>
        </form>
        <table id="deliveries">
        <thead><tr><th scope="col">{{t.time}}</th><th scope="col">{{t.event}}</th><th scope="col">{{t.state}}</th><th scope="col" class="num">{{t.attempts}}</th><th scope="col">{{t.last_answer}}</th><th scope="col">{{t.action}}</th></tr></thead>
        <tbody>
        {{#deliveries}}<tr data-delivery="{{id}}" data-status="{{state_raw}}"><td>{{created_at}}</td><td><code>{{event_type}}</code></td><td>{{state}}</td><td class="num">{{attempts}}</td><td>{{last_answer}}</td><td>{{#replayable}}<form class="replay" method="post" action="/console/webhooks/deliveries/{{id}}/replay"><input type="hidden" name="_csrf" value="{{csrf}}"><input type="hidden" name="_form" value="{{form_key}}"><button type="submit" aria-label="{{replay_label}}">{{t.replay}}</button></form>{{/replayable}}</td></tr>{{/deliveries}}
        </tbody>
        </table>
        {{^deliveries}}<p class="empty">{{t.no_deliveries}}</p>{{/deliveries}}
        </section>
        {{/content}}{{/layout}}
        """

    static let audit = """
        {{<layout}}{{$content}}
        <p class="help">{{t.audit_help}}</p>
        <table id="audit">
        <thead><tr><th scope="col">{{t.time}}</th><th scope="col">{{t.audit_actor}}</th><th scope="col">{{t.audit_action}}</th><th scope="col">{{t.audit_target}}</th><th scope="col">{{t.audit_changes}}</th></tr></thead>
        <tbody>
        {{#entries}}<tr data-action="{{action}}" data-actor-kind="{{actor_kind}}"><td>{{created_at}}</td><td>{{actor}}</td><td><code>{{action}}</code></td><td>{{target}}</td><td><code class="changes">{{changes}}</code></td></tr>{{/entries}}
        </tbody>
        </table>
        {{^entries}}<p class="empty">{{t.none}}</p>{{/entries}}
        {{/content}}{{/layout}}
        """

    static let staff = """
        {{<layout}}{{$content}}
        {{#invitation_link}}<p role="status" class="flash">{{t.invitation_created}} <code id="invitation-link">{{invitation_link}}</code></p>{{/invitation_link}}
        <section class="card" aria-labelledby="invite-heading">
        <h2 id="invite-heading">{{t.invite}}</h2>
        <form id="invite" method="post" action="/console/staff" class="inline">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="invite-email">{{t.email}}</label>
        <input id="invite-email" name="email" type="email" required maxlength="254">
        <label for="invite-role">{{t.role}}</label>
        <select id="invite-role" name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select>
        <button type="submit">{{t.send_invitation}}</button>
        </form>
        </section>
        <table id="staff">
        <thead><tr><th scope="col">{{t.email}}</th><th scope="col">{{t.name}}</th><th scope="col">{{t.role}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.action}}</th></tr></thead>
        <tbody>
        {{#accounts}}<tr data-email="{{email}}"><td>{{email}}</td><td>{{name}}</td><td>{{role}}</td><td>{{state}}</td><td>
        {{#active}}
        <form class="role" method="post" action="/console/staff/{{id}}/role"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label for="role-{{id}}" class="visually-hidden">{{role_label_for}}</label>
        <select id="role-{{id}}" name="role">{{#role_options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/role_options}}</select>
        <button type="submit">{{t.change_role}}</button></form>
        <form class="revoke" method="post" action="/console/staff/{{id}}/sessions/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" aria-label="{{revoke_label}}">{{t.sign_out_everywhere}}</button></form>
        <form class="disable" method="post" action="/console/staff/{{id}}/disable"><input type="hidden" name="_csrf" value="{{csrf}}"><button type="submit" aria-label="{{disable_label}}">{{t.disable}}</button></form>
        {{/active}}
        </td></tr>{{/accounts}}
        </tbody>
        </table>
        {{/content}}{{/layout}}
        """
}
