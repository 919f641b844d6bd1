// The certificate page's camera scan: reads the QR code in the browser (vendored jsQR) and
// sends only its bytes (base64, in the form's hidden "qr" field). Without a camera or jsQR,
// the section stays hidden and the file upload is the way.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var section = document.getElementById("certificate-scan");
    var form = document.getElementById("certificate-form");
    if (!section || !form || typeof window.jsQR !== "function" || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      return;
    }
    section.hidden = false;
    var error = document.getElementById("certificate-error");
    if (error) { error.focus(); }
    var start = document.getElementById("scan-start");
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    var stream = null;

    function stop() {
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
      stream = null;
      video.hidden = true;
    }

    function toBase64(bytes) {
      var text = "";
      for (var i = 0; i < bytes.length; i++) { text += String.fromCharCode(bytes[i]); }
      return window.btoa(text);
    }

    function look() {
      if (!stream) { return; }
      if (video.readyState === video.HAVE_ENOUGH_DATA) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        if (code && code.binaryData && code.binaryData.length) {
          stop();
          form.elements.qr.value = toBase64(code.binaryData);
          form.submit();
          return;
        }
      }
      window.requestAnimationFrame(look);
    }

    start.addEventListener("click", function () {
      status.textContent = status.dataset.reading;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          return video.play();
        })
        .then(function () { window.requestAnimationFrame(look); })
        .catch(function () { stop(); status.textContent = status.dataset.failed; });
    });
    window.addEventListener("pagehide", stop);
  });
})();
