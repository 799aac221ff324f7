extension Templates {
    static let program = """
        {{<layout}}{{$content}}
        <p>{{program_note}}</p>
        <form id="program" method="post" action="/console/program">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="_form" value="{{form_key}}">
        <label for="program-json">{{t.program_json}}</label>
        <textarea id="program-json" name="program" rows="24" spellcheck="false" aria-describedby="program-help"{{^can_edit}} readonly{{/can_edit}}>{{program_json}}</textarea>
        <p id="program-help" class="help">{{t.program_help}}</p>
        {{#can_edit}}<button type="submit">{{t.save_program}}</button>{{/can_edit}}
        </form>
        <section class="card" aria-labelledby="preview-heading">
        <h2 id="preview-heading">{{t.preview}}</h2>
        <p class="help">{{t.preview_help}}</p>
        <form id="preview" method="get" action="/console/program" class="inline">
        <label for="preview-amount">{{t.cart_amount}}</label>
        <input id="preview-amount" name="amount" value="{{preview_amount}}" inputmode="decimal" required>
        <label for="preview-currency">{{t.currency}}</label>
        <input id="preview-currency" name="currency" value="{{preview_currency}}" maxlength="3" required>
        <label for="preview-category">{{t.category}}</label>
        <input id="preview-category" name="category" value="{{preview_category}}" maxlength="128">
        <label class="check"><input id="preview-first" name="first_order" type="checkbox" value="1"{{#preview_first}} checked{{/preview_first}}> {{t.first_order}}</label>
        <button type="submit">{{t.calculate}}</button>
        </form>
        {{#preview}}
        <div id="preview-result" data-points="{{points_raw}}" role="status">
        <p class="big">{{points}} {{t.points_unit}}</p>
        <dl>
        <dt>{{t.base_points}}</dt><dd>{{base}}</dd>
        <dt>{{t.bonus_points}}</dt><dd>{{bonus}}</dd>
        {{#reason}}<dt>{{t.note}}</dt><dd>{{reason}}</dd>{{/reason}}
        </dl>
        </div>
        {{/preview}}
        </section>
        {{/content}}{{/layout}}
        """

    static let campaigns = """
        {{<layout}}{{$content}}
        <table id="campaigns">
        <thead><tr><th scope="col">{{t.title_name}}</th><th scope="col">{{t.kind}}</th><th scope="col">{{t.state}}</th><th scope="col" class="num">{{t.members}}</th><th scope="col" class="num">{{t.held_out}}</th><th scope="col">{{t.created_at}}</th></tr></thead>
        <tbody>{{#campaigns}}<tr><td><a href="#campaign-{{id}}">{{name}}</a></td><td>{{kind}}</td><td>{{state}}</td><td class="num">{{members}}</td><td class="num">{{held_out}}</td><td>{{created_at}}</td></tr>{{/campaigns}}</tbody>
        </table>
        {{^campaigns}}<p class="empty">{{t.no_campaigns}}</p>{{/campaigns}}
        {{#campaigns}}
        <section class="card result" id="campaign-{{id}}" aria-labelledby="campaign-{{id}}-heading">
        <h2 id="campaign-{{id}}-heading">{{name}}</h2>
        {{#results}}
        <p>{{lift_sentence}}</p>
        {{{chart}}}
        <table>
        <caption>{{t.arms}}</caption>
        <thead><tr><th scope="col">{{t.arm}}</th><th scope="col" class="num">{{t.members}}</th><th scope="col" class="num">{{t.responders}}</th><th scope="col" class="num">{{t.response_rate}}</th><th scope="col" class="num">{{t.revenue}}</th><th scope="col" class="num">{{t.points_cost}}</th></tr></thead>
        <tbody>{{#arms}}<tr><th scope="row">{{arm}}</th><td class="num">{{members}}</td><td class="num">{{responders}}</td><td class="num">{{rate}}</td><td class="num">{{revenue}}</td><td class="num">{{points_cost}}</td></tr>{{/arms}}</tbody>
        </table>
        {{/results}}
        {{^results}}<p class="empty">{{t.no_results}}</p>{{/results}}
        </section>
        {{/campaigns}}
        {{/content}}{{/layout}}
        """

    static let journeys = """
        {{<layout}}{{$content}}
        <table id="journeys">
        <thead><tr><th scope="col">{{t.title_name}}</th><th scope="col">{{t.state}}</th><th scope="col" class="num">{{t.members}}</th><th scope="col" class="num">{{t.held_out}}</th><th scope="col">{{t.created_at}}</th></tr></thead>
        <tbody>{{#journeys}}<tr><td><a href="#journey-{{id}}">{{name}}</a></td><td>{{state}}</td><td class="num">{{members}}</td><td class="num">{{held_out}}</td><td>{{created_at}}</td></tr>{{/journeys}}</tbody>
        </table>
        {{^journeys}}<p class="empty">{{t.no_journeys}}</p>{{/journeys}}
        {{#journeys}}
        <section class="card result" id="journey-{{id}}" aria-labelledby="journey-{{id}}-heading">
        <h2 id="journey-{{id}}-heading">{{name}}</h2>
        {{{chart}}}
        <table>
        <caption>{{t.steps}}</caption>
        <thead><tr><th scope="col">{{t.step}}</th><th scope="col" class="num">{{t.reached}}</th><th scope="col" class="num">{{t.held_out}}</th><th scope="col" class="num">{{t.response_rate}}</th><th scope="col" class="num">{{t.control_rate}}</th><th scope="col" class="num">{{t.lift}}</th></tr></thead>
        <tbody>{{#steps}}<tr><th scope="row">{{step}}</th><td class="num">{{reached}}</td><td class="num">{{held_out}}</td><td class="num">{{rate}}</td><td class="num">{{control_rate}}</td><td class="num">{{lift}}</td></tr>{{/steps}}</tbody>
        </table>
        </section>
        {{/journeys}}
        {{/content}}{{/layout}}
        """

    static let reports = """
        {{<layout}}{{$content}}
        <p class="help">{{period_note}}</p>
        <section id="liability" class="card" aria-labelledby="liability-heading">
        <h2 id="liability-heading">{{t.liability}}</h2>
        {{{liability_chart}}}
        <table>
        <thead><tr><th scope="col">{{t.expires_in}}</th><th scope="col" class="num">{{t.points}}</th><th scope="col" class="num">{{t.value}}</th></tr></thead>
        <tbody>{{#liability}}<tr><th scope="row">{{label}}</th><td class="num">{{points}}</td><td class="num">{{value}}</td></tr>{{/liability}}</tbody>
        </table>
        </section>
        <section id="flows" class="card" aria-labelledby="flows-heading">
        <h2 id="flows-heading">{{t.flows}}</h2>
        {{{flows_chart}}}
        <table>
        <thead><tr><th scope="col">{{t.month}}</th><th scope="col" class="num">{{t.earned}}</th><th scope="col" class="num">{{t.redeemed}}</th><th scope="col" class="num">{{t.expired}}</th><th scope="col" class="num">{{t.reversed}}</th></tr></thead>
        <tbody>{{#flows}}<tr><th scope="row">{{label}}</th><td class="num">{{earned}}</td><td class="num">{{redeemed}}</td><td class="num">{{expired}}</td><td class="num">{{reversed}}</td></tr>{{/flows}}</tbody>
        </table>
        </section>
        <section id="cohorts" class="card" aria-labelledby="cohorts-heading">
        <h2 id="cohorts-heading">{{t.cohorts}}</h2>
        {{{cohorts_chart}}}
        <table>
        <thead><tr><th scope="col">{{t.cohort}}</th><th scope="col" class="num">{{t.new_customers}}</th><th scope="col" class="num">{{t.repeat_customers}}</th><th scope="col" class="num">{{t.repeat_rate}}</th></tr></thead>
        <tbody>{{#cohorts}}<tr><th scope="row">{{label}}</th><td class="num">{{members}}</td><td class="num">{{repeaters}}</td><td class="num">{{rate}}</td></tr>{{/cohorts}}</tbody>
        </table>
        </section>
        {{/content}}{{/layout}}
        """
}
