// @ts-check
// Teams and the rules that route cases to them (a source and/or a province → a team): everyone
// sees them, supervisors change them. A case assigned to one steward is done from the queue.
import { api } from './api.js';
import { h } from './dom.js';
import { errorText, t, valueLabel } from './i18n.js';

const SOURCES = ['vaccination', 'social-welfare', 'driver-licence', 'civil-status', 'register'];

/**
 * @param {HTMLElement} main
 * @param {import('./api.js').User} user
 */
export async function renderAssignment(main, user) {
  const data = await api.teams();
  const supervisor = user.role === 'supervisor' || user.role === 'admin';
  const status = h('p', { id: 'assignment-status', role: 'status' });
  const refresh = () => renderAssignment(main, user);
  /** @param {() => Promise<unknown>} change */
  const run = async (change) => {
    try {
      await change();
      await refresh();
    } catch (error) {
      status.textContent = errorText(error);
    }
  };

  const stewardOptions = () => data.stewards.map((u) => h('option', { value: u }, u));
  const memberTeam = h('input', { id: 'member-team', list: 'team-names', maxlength: 60, placeholder: t('team') });
  const memberUser = h('select', { id: 'member-user' }, stewardOptions());
  const teams = h(
    'section',
    { id: 'teams' },
    h('h2', {}, t('teams')),
    h('p', { className: 'sub', id: 'my-teams' }, `${t('yourTeams')}: ${data.mine.length > 0 ? data.mine.join(', ') : '—'}`),
    h(
      'table',
      { className: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, t('team')), h('th', {}, t('members')))),
      h(
        'tbody',
        {},
        data.teams.map(({ team, members }) =>
          h(
            'tr',
            { 'data-team': team },
            h('td', {}, team),
            h(
              'td',
              {},
              members.map((member) =>
                h(
                  'span',
                  { className: 'chip member' },
                  member,
                  supervisor
                    ? h('button', { className: 'link remove-member', 'aria-label': t('remove'), onclick: () => run(() => api.removeMember(team, member)) }, '×')
                    : null,
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    h(
      'datalist',
      { id: 'team-names' },
      data.teams.map(({ team }) => h('option', { value: team })),
    ),
    supervisor
      ? h(
          'div',
          { className: 'filters' },
          h('label', {}, t('team'), memberTeam),
          h('label', {}, t('steward'), memberUser),
          h(
            'button',
            { id: 'add-member', onclick: () => memberTeam.value.trim() && run(() => api.addMember(memberTeam.value.trim(), memberUser.value)) },
            t('addMember'),
          ),
        )
      : null,
  );

  const ruleSource = h(
    'select',
    { id: 'rule-source' },
    h('option', { value: '' }, t('anySource')),
    SOURCES.map((s) => h('option', { value: s }, valueLabel('sources', s))),
  );
  const ruleProvince = h('input', { id: 'rule-province', maxlength: 120, placeholder: t('anyProvince') });
  const ruleTeam = h('input', { id: 'rule-team', list: 'team-names', maxlength: 60 });
  const rules = h(
    'section',
    { id: 'rules' },
    h('h2', {}, t('assignmentRules')),
    h('p', { className: 'sub' }, t('rulesHint')),
    h(
      'table',
      { className: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, t('source')), h('th', {}, t('province')), h('th', {}, t('team')), supervisor ? h('th', {}, '') : null)),
      h(
        'tbody',
        {},
        data.rules.map((rule) =>
          h(
            'tr',
            { 'data-rule': rule.rule_id },
            h('td', {}, rule.source ? valueLabel('sources', rule.source) : t('anySource')),
            h('td', {}, rule.province ?? t('anyProvince')),
            h('td', {}, rule.team),
            supervisor
              ? h('td', {}, h('button', { className: 'link remove-rule', onclick: () => run(() => api.deleteRule(rule.rule_id)) }, t('remove')))
              : null,
          ),
        ),
      ),
    ),
    supervisor
      ? h(
          'div',
          { className: 'filters' },
          h('label', {}, t('source'), ruleSource),
          h('label', {}, t('province'), ruleProvince),
          h('label', {}, t('team'), ruleTeam),
          h(
            'button',
            {
              id: 'add-rule',
              onclick: () =>
                ruleTeam.value.trim() &&
                run(() =>
                  api.saveRule({
                    team: ruleTeam.value.trim(),
                    ...(ruleSource.value ? { source: ruleSource.value } : {}),
                    ...(ruleProvince.value.trim() ? { province: ruleProvince.value.trim() } : {}),
                  }),
                ),
            },
            t('addRule'),
          ),
        )
      : null,
  );
  main.replaceChildren(h('h1', {}, t('assignmentTitle')), teams, rules, status);
}
