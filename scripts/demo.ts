console.log('demo: placeholder');
