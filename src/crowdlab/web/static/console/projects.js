// The projects list is rendered on the server; this page only needs the common layout.
import './layout.js';
