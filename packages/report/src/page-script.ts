/**
 * The script of a report page, run by the browser after uPlot's own. It reads the chart
 * data from the `report-data` JSON element (see `ChartData`), lays each chart's per-run
 * tables on one time axis with `uPlot.join` (alignment holes are spanned, recorded gaps
 * stay gaps), and draws the trigger, last-restart and reference levels on the canvas in
 * a draw hook. When every chart is drawn it sets `data-charts-ready` on the root element.
 * Plain ES2017 so it runs in any current browser without a build step.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict'
  var data = JSON.parse(document.getElementById('report-data').textContent)
  var HEIGHT = 300

  function formatValue (v) {
    if (v == null) return '–'
    var a = Math.abs(v)
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2)
  }

  // room above the data for the marker and level labels, as a share of the span
  var HEADROOM = 0.16

  function rangeOf (spec) {
    return function (u, dataMin, dataMax) {
      var min = spec.min != null ? spec.min : (dataMin == null ? 0 : dataMin)
      var top = spec.max
      if (top == null) {
        top = dataMax == null ? 1 : dataMax
        if (spec.softMax != null && top < spec.softMax) top = spec.softMax
      }
      if (!(top > min)) top = min + 1
      return [min, top + (top - min) * HEADROOM]
    }
  }

  function belowTickMax (spec) {
    return function (u, splits) {
      return splits.map(function (v) { return spec.tickMax != null && v > spec.tickMax + 1e-9 ? null : v })
    }
  }

  // places text labels in rows from the top of the plot, each in the first row where it
  // overlaps no other label, on a light box so lines under them stay readable
  function labelRows (ctx, b, r) {
    var rows = []
    return function (text, x, align, colour) {
      var w = ctx.measureText(text).width + 6 * r
      var left = align === 'right' ? x - w : x
      left = Math.max(b.left, Math.min(left, b.left + b.width - w))
      var right = left + w
      var row = 0
      while (rows[row] && rows[row].some(function (s) { return left < s[1] && right > s[0] })) row++
      if (!rows[row]) rows[row] = []
      rows[row].push([left, right])
      var top = b.top + (2 + row * 15) * r
      ctx.fillStyle = 'rgba(255, 255, 255, 0.85)'
      ctx.fillRect(left, top, w, 14 * r)
      ctx.fillStyle = colour
      ctx.textAlign = 'left'
      ctx.textBaseline = 'top'
      ctx.fillText(text, left + 3 * r, top + 2 * r)
    }
  }

  function overlay (chart) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx
          var r = uPlot.pxRatio
          var b = u.bbox
          ctx.save()
          ctx.beginPath()
          ctx.rect(b.left, b.top, b.width, b.height)
          ctx.clip()
          ctx.font = (11 * r) + 'px system-ui, sans-serif'
          var place = labelRows(ctx, b, r)
          var labels = []
          var markerLabels = []
          chart.levels.forEach(function (level) {
            var y = Math.round(u.valToPos(level.y, 'y', true)) + 0.5
            if (y < b.top || y > b.top + b.height) return
            ctx.strokeStyle = level.colour
            ctx.lineWidth = 1
            ctx.setLineDash(level.dash.map(function (d) { return d * r }))
            ctx.beginPath()
            ctx.moveTo(b.left, y)
            ctx.lineTo(b.left + b.width, y)
            ctx.stroke()
            if (level.label) labels.push([level.label, b.left + b.width - 2 * r, 'right', level.colour])
          })
          chart.markers.forEach(function (marker) {
            var x = Math.round(u.valToPos(marker.x, 'x', true))
            if (x < b.left || x > b.left + b.width) return
            ctx.strokeStyle = marker.colour
            ctx.lineWidth = 2 * r
            ctx.setLineDash(marker.dash.map(function (d) { return d * r }))
            ctx.beginPath()
            ctx.moveTo(x, b.top)
            ctx.lineTo(x, b.top + b.height)
            ctx.stroke()
            markerLabels.push([marker.label, x + 3 * r, 'left', marker.colour])
          })
          ctx.setLineDash([])
          markerLabels.concat(labels).forEach(function (l) { place(l[0], l[1], l[2], l[3]) })
          ctx.restore()
        }]
      }
    }
  }

  function widthOf (host) {
    return Math.max(320, Math.floor(host.clientWidth))
  }

  var plots = []
  data.charts.forEach(function (chart) {
    var host = document.getElementById('chart-' + chart.id)
    var aligned = chart.tables.length === 1 ? chart.tables[0] : uPlot.join(chart.tables)
    var series = [{
      label: chart.xLabel,
      value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' s' }
    }]
    chart.series.forEach(function (s) {
      series.push({
        label: s.label,
        stroke: s.colour,
        width: s.width,
        dash: s.dash.length > 0 ? s.dash : undefined,
        scale: s.scale,
        points: { show: false },
        value: function (u, v) { return formatValue(v) }
      })
    })
    var scales = { x: { time: false }, y: { range: rangeOf(chart.y) } }
    var axes = [
      { label: chart.xLabel },
      { scale: 'y', label: chart.y.label, filter: belowTickMax(chart.y), grid: { filter: belowTickMax(chart.y) }, ticks: { filter: belowTickMax(chart.y) } }
    ]
    if (chart.y2) {
      scales.y2 = { range: rangeOf(chart.y2) }
      axes.push({ scale: 'y2', side: 1, label: chart.y2.label, grid: { show: false } })
    }
    plots.push({
      host: host,
      plot: new uPlot({
        title: chart.title,
        width: widthOf(host),
        height: HEIGHT,
        series: series,
        scales: scales,
        axes: axes,
        cursor: { sync: { key: 'stampede' } },
        legend: {
          markers: {
            width: 2,
            dash: function (u, i) { return u.series[i].dash ? 'dashed' : 'solid' }
          }
        },
        plugins: [overlay(chart)]
      }, aligned, host)
    })
  })

  var resizing = null
  window.addEventListener('resize', function () {
    if (resizing !== null) cancelAnimationFrame(resizing)
    resizing = requestAnimationFrame(function () {
      resizing = null
      plots.forEach(function (p) { p.plot.setSize({ width: widthOf(p.host), height: HEIGHT }) })
    })
  })

  requestAnimationFrame(function () {
    requestAnimationFrame(function () {
      document.documentElement.setAttribute('data-charts-ready', String(plots.length))
    })
  })
})()
`
