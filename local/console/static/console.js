// A little progressive enhancement; every page works without it.
document.addEventListener('DOMContentLoaded', function () {
  // Filters apply as soon as a choice changes.
  document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
  // Clicking a state in the graph opens its input/output below.
  document.querySelectorAll('svg.graph g.state').forEach(function (g) {
    g.addEventListener('click', function () {
      var d = document.getElementById('state-' + g.getAttribute('data-state'));
      if (!d) { return; }
      document.querySelectorAll('details.staterun.highlight').forEach(function (x) { x.classList.remove('highlight'); });
      d.open = true;
      d.classList.add('highlight');
    });
  });
});
