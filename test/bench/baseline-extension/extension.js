// The activation benchmark's baseline: the least an extension can do when activated.
module.exports = { activate() {}, deactivate() {} };
