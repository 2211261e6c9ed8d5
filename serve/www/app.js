// cops search page.  Everything from the server (titles, identifiers,
// snippets, text) is hostile: it reaches the page only as text nodes
// (textContent, append of strings), never as markup.  The state lives in
// the URL, so a search can be shared and the back button works.
'use strict';

(function () {
  const PAGE_SIZE = 10;
  const $ = (id) => document.getElementById(id);
  let renderCount = 0; // answers to an older render are dropped
  let currentHit = -1;

  function readState() {
    const p = new URLSearchParams(location.search);
    return {
      q: p.get('q') || '',
      sort: p.get('sort') || 'relevance',
      date: p.get('date') || '',
      offset: Math.max(0, parseInt(p.get('offset') || '0', 10) || 0),
      doc: p.get('doc'),
      dq: p.get('dq') || '',
    };
  }

  function urlOf(state) {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.sort && state.sort !== 'relevance') p.set('sort', state.sort);
    if (state.date) p.set('date', state.date);
    if (state.offset) p.set('offset', String(state.offset));
    if (state.doc != null) {
      p.set('doc', state.doc);
      p.set('dq', state.dq);
    }
    const text = p.toString();
    return text ? '?' + text : location.pathname;
  }

  function go(state, fromList) {
    history.pushState({ fromList: !!fromList }, '', urlOf(state));
    render();
  }

  async function fetchJSON(path, args) {
    const url = new URL(path, location.href);
    for (const [key, value] of Object.entries(args)) {
      if (value !== '' && value != null) url.searchParams.set(key, String(value));
    }
    try {
      const response = await fetch(url, { headers: { Accept: 'application/json' } });
      return await response.json();
    } catch (e) {
      return { error: { status: 0, message: 'the server could not be reached' } };
    }
  }

  // `text` with the code-point ranges [start, end) in <mark>, as text nodes.
  function appendHighlighted(parent, text, ranges) {
    const chars = Array.from(text || '');
    let at = 0;
    for (const [start, end] of ranges || []) {
      if (start < at || end > chars.length) continue;
      if (start > at) parent.append(chars.slice(at, start).join(''));
      const mark = document.createElement('mark');
      mark.textContent = chars.slice(start, end).join('');
      parent.append(mark);
      at = end;
    }
    if (at < chars.length) parent.append(chars.slice(at).join(''));
  }

  function showError(error, query) {
    const box = $('query-error');
    const column = error.column || 0;
    $('error-query').textContent = column ? query : '';
    // The caret stands after the query's own characters before the fault,
    // drawn invisibly in the same font: as wide as the browser draws them
    // (an emoji sequence, a flag, a wide character), where one space per
    // character put it too far left or right.
    const caret = $('error-caret');
    caret.textContent = '';
    if (column) {
      const before = document.createElement('span');
      before.className = 'error-caret-pad';
      before.textContent = Array.from(query).slice(0, column - 1).join('');
      caret.append(before, '^');
    }
    $('error-query').parentElement.hidden = !column;
    $('error-message').textContent = (column ? 'Column ' + column + ': ' : '') + error.message;
    box.hidden = false;
  }

  function clearPage() {
    $('query-error').hidden = true;
    $('results').replaceChildren();
    $('pager').hidden = true;
    $('histogram-section').hidden = true;
    $('status').textContent = '';
    $('did-you-mean').hidden = true;
    $('relaxed').hidden = true;
  }

  // "Did you mean X?" (a link running X) and the note that no document
  // had every word, when the server gives them.
  function showHints(body, state) {
    if (body.did_you_mean) {
      const target = { ...state, q: body.did_you_mean, offset: 0, doc: null };
      const link = document.createElement('a');
      link.href = urlOf(target);
      link.textContent = body.did_you_mean;
      link.addEventListener('click', (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        go(target);
      });
      $('did-you-mean').replaceChildren('Did you mean ', link, '?');
      $('did-you-mean').hidden = false;
    }
    if (body.relaxed) {
      const words = body.relaxed.words;
      $('relaxed').textContent = 'No document has all of “' + words.join(' ') + '”: showing those with ' +
        body.relaxed.required + ' of the ' + words.length + ' words.';
      $('relaxed').hidden = false;
    }
  }

  function hitItem(hit, state) {
    const item = document.createElement('li');
    const link = document.createElement('a');
    const target = { ...state, doc: hit.id, dq: state.q };
    link.href = urlOf(target);
    link.textContent = hit.title || hit.id;
    link.addEventListener('click', (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      go(target, true);
    });
    const meta = document.createElement('p');
    meta.className = 'meta';
    // A record's source: its id is whatever its file says, another file's path too.
    const source = hit.source ? ' from ' + hit.source.file + ':' + hit.source.line : '';
    meta.textContent = (hit.date ? hit.date + ' · ' : '') + hit.id + source + (hit.index ? ' · ' + hit.index : '');
    const snippet = document.createElement('p');
    snippet.className = 'snippet';
    appendHighlighted(snippet, hit.snippet, hit.highlights);
    item.append(link, meta, snippet);
    return item;
  }

  // [label, count] for every year from the first to the last with matches
  // (at most 200 of them), so that the gaps show.
  function yearBars(facets) {
    const counts = new Map(facets.years.map((y) => [Number(y.year), y.count]));
    const years = [...counts.keys()];
    if (years.length === 0) return [];
    const first = Math.min(...years), last = Math.max(...years);
    if (last - first >= 200) return facets.years.map((y) => [y.year, y.count]);
    const bars = [];
    for (let year = first; year <= last; year++) bars.push([String(year).padStart(4, '0'), counts.get(year) || 0]);
    return bars;
  }

  function monthBars(facets, year) {
    const counts = new Map(facets.months.map((m) => [m.month, m.count]));
    return Array.from({ length: 12 }, (_, i) => {
      const month = year + '-' + String(i + 1).padStart(2, '0');
      return [month, counts.get(month) || 0];
    });
  }

  // Years, or the months of the year the results are filtered to.
  function showHistogram(facets, state) {
    const section = $('histogram-section');
    const oneYear = /^\d{4}$/.test(state.date);
    const bars = !facets ? [] : oneYear ? monthBars(facets, state.date) : yearBars(facets);
    $('clear-date').hidden = !state.date;
    section.hidden = bars.length === 0 && !state.date;
    const histogram = $('histogram');
    histogram.replaceChildren();
    const most = Math.max(1, ...bars.map((b) => b[1]));
    for (const [label, count] of bars) {
      const bar = document.createElement('button');
      bar.type = 'button';
      bar.style.height = Math.max(2, Math.round((count / most) * 100)) + '%';
      bar.title = label + ': ' + (count ? count : 'no') + (count === 1 ? ' match' : ' matches');
      bar.disabled = count === 0;
      bar.setAttribute('aria-label', bar.title);
      bar.dataset.date = label;
      bar.addEventListener('click', () => go({ ...state, date: label, offset: 0 }));
      histogram.append(bar);
    }
    const labels = $('histogram-labels');
    labels.replaceChildren();
    if (bars.length) {
      const first = document.createElement('span'), last = document.createElement('span');
      first.textContent = bars[0][0];
      last.textContent = bars.length > 1 ? bars[bars.length - 1][0] : '';
      labels.append(first, last);
    }
    $('histogram-title').textContent = oneYear
      ? 'Matches by month of ' + state.date : state.date ? 'Matches on ' + state.date : 'Matches by year';
  }

  function showPager(body, state) {
    const last = Math.min(body.total, state.offset + body.hits.length);
    $('pager').hidden = body.total <= PAGE_SIZE;
    $('previous').disabled = state.offset === 0;
    $('next').disabled = state.offset + PAGE_SIZE >= body.total;
    $('page-label').textContent = (state.offset + 1) + '–' + last + ' of ' + body.total;
  }

  async function showResults(state, ticket) {
    $('document').hidden = true;
    $('results-section').hidden = false;
    document.title = state.q ? state.q + ' — cops search' : 'cops search';
    if (!state.q) {
      clearPage();
      return;
    }
    const body = await fetchJSON('search', {
      q: state.q, n: PAGE_SIZE, offset: state.offset, sort: state.sort, date: state.date, facets: 1,
    });
    if (ticket !== renderCount) return;
    clearPage();
    if (body.error) {
      showError(body.error, state.q);
      return;
    }
    const filter = state.date ? ' dated ' + state.date : '';
    $('status').textContent = body.total + (body.total === 1 ? ' match' : ' matches') + filter;
    if (body.operator_lookalike) {
      $('status').textContent += ' — “' + body.operator_lookalike.word + '” was searched as a word;' +
        ' write ' + body.operator_lookalike.word.toUpperCase() + ' for the operator';
    }
    showHints(body, state);
    $('results').replaceChildren(...body.hits.map((hit) => hitItem(hit, state)));
    currentHit = -1;
    showPager(body, state);
    showHistogram(body.facets, state);
  }

  async function showDocument(state, ticket) {
    const body = await fetchJSON('doc/' + encodeURIComponent(state.doc), { q: state.dq });
    if (ticket !== renderCount) return;
    $('results-section').hidden = true;
    $('histogram-section').hidden = true;
    $('status').textContent = '';
    $('query-error').hidden = true;
    const article = $('document');
    article.hidden = false;
    const text = $('document-text');
    text.replaceChildren();
    if (body.error) {
      $('document-title').textContent = 'Document unavailable';
      $('document-meta').textContent = body.error.message;
      return;
    }
    $('document-title').textContent = body.title || body.id;
    $('document-meta').textContent = (body.date ? body.date + ' · ' : '') + body.id +
      (body.index ? ' · ' + body.index : '');
    const cut = $('document-truncated');
    cut.hidden = !body.truncated;
    cut.textContent = body.truncated
      ? 'Only the beginning is shown: ' + Array.from(body.text).length.toLocaleString() +
        ' characters of a text of ' + body.length.toLocaleString() + ' bytes.'
      : '';
    appendHighlighted(text, body.text, body.highlights);
    document.title = (body.title || body.id) + ' — cops search';
    $('back').focus();
  }

  function render() {
    const state = readState();
    const ticket = ++renderCount;
    $('q').value = state.q;
    $('sort').value = state.sort;
    if (state.doc != null) showDocument(state, ticket);
    else showResults(state, ticket);
  }

  function backToList() {
    if (history.state && history.state.fromList) history.back();
    else go({ ...readState(), doc: null });
  }

  function moveThroughHits(step) {
    const links = Array.from(document.querySelectorAll('#results a'));
    if (links.length === 0) return;
    const items = document.querySelectorAll('#results li');
    items.forEach((li) => li.classList.remove('current'));
    currentHit = Math.min(links.length - 1, Math.max(0, currentHit + step));
    links[currentHit].focus();
    items[currentHit].classList.add('current');
  }

  function onKey(event) {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    if (event.key === '/' && !typing) {
      event.preventDefault();
      $('q').focus();
      $('q').select();
    } else if (event.key === 'Escape' && !$('document').hidden) {
      backToList();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !$('results-section').hidden
               && (!typing || event.target.id === 'q')) {
      event.preventDefault();
      moveThroughHits(event.key === 'ArrowDown' ? 1 : -1);
    }
  }

  function start() {
    $('search-form').addEventListener('submit', (event) => {
      event.preventDefault();
      go({ ...readState(), q: $('q').value.trim(), offset: 0, doc: null });
    });
    $('sort').addEventListener('change', () => {
      const state = readState();
      if (state.q) go({ ...state, sort: $('sort').value, offset: 0, doc: null });
    });
    $('previous').addEventListener('click', () => {
      const state = readState();
      go({ ...state, offset: Math.max(0, state.offset - PAGE_SIZE) });
    });
    $('next').addEventListener('click', () => {
      const state = readState();
      go({ ...state, offset: state.offset + PAGE_SIZE });
    });
    $('clear-date').addEventListener('click', () => go({ ...readState(), date: '', offset: 0 }));
    $('back').addEventListener('click', backToList);
    document.addEventListener('keydown', onKey);
    window.addEventListener('popstate', render);
    render();
    if (!readState().q) $('q').focus();
  }

  start();
})();
